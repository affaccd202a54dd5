import { describe, expect, test } from "bun:test";
import type { S3Error } from "../../src/s3/errors.ts";
import { toS3Error } from "../../src/s3/storage-errors.ts";
import { storageErrorOf } from "../../src/storage/index.ts";
import { mountOf, parseMountInfo } from "../../src/storage/quota/fs-mounts.ts";
import { projectIdOf } from "../../src/storage/quota/fs-quota.ts";

const mountinfo = [
  "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
  "40 22 7:0 / /srv/s3 rw,relatime shared:2 - xfs /dev/loop0 rw,attr2,inode64,logbufs=8,logbsize=32k,prjquota",
  "41 22 0:50 / /srv/s3\\040two rw,relatime shared:3 - ceph 10.0.0.1:/ rw,name=admin",
  "42 40 0:51 / /srv/s3/over rw shared:4 - tmpfs tmpfs rw,size=1024k",
  "",
].join("\n");

describe("mountinfo", () => {
  const mounts = parseMountInfo(mountinfo);
  test("fields, escapes and superblock options", () => {
    expect(mounts).toHaveLength(4);
    expect(mounts[1]).toMatchObject({ mountPoint: "/srv/s3", fsType: "xfs", source: "/dev/loop0" });
    expect(mounts[1]!.options).toContain("prjquota");
    expect(mounts[2]!.mountPoint).toBe("/srv/s3 two");
  });
  test("the longest mount point holding the path wins, never a mere name prefix", () => {
    expect(mountOf("/srv/s3/bucket/a", mounts)?.fsType).toBe("xfs");
    expect(mountOf("/srv/s3", mounts)?.fsType).toBe("xfs");
    expect(mountOf("/srv/s3/over/x", mounts)?.fsType).toBe("tmpfs");
    expect(mountOf("/srv/s3x", mounts)?.fsType).toBe("ext4");
    expect(mountOf("/srv/s3 two/b", mounts)?.fsType).toBe("ceph");
  });
});

test("a bucket's XFS project id is stable, above the hand-made ids and 32-bit", () => {
  for (const name of ["a", "photos", "x".repeat(63)]) {
    const id = projectIdOf(name);
    expect(id).toBe(projectIdOf(name));
    expect(id).toBeGreaterThanOrEqual(0x10000);
    expect(id).toBeLessThan(2 ** 31);
  }
  expect(projectIdOf("photos")).not.toBe(projectIdOf("photos2"));
});

test("EDQUOT is a 403 QuotaExceeded as s3dir's own quota; ENOSPC stays 507 StorageFull", () => {
  const quota = storageErrorOf(Object.assign(new Error("x"), { code: "EDQUOT", syscall: "write" }));
  expect(quota?.code).toBe("QuotaExceeded");
  expect(quota?.message).toContain("quota");
  const s3 = toS3Error(quota!) as S3Error;
  expect([s3.code, s3.status]).toEqual(["QuotaExceeded", 403]);
  const full = storageErrorOf(Object.assign(new Error("x"), { code: "ENOSPC" }));
  expect((toS3Error(full!) as S3Error).status).toBe(507);
});
