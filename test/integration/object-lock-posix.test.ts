/**
 * Locked objects written and read through S3 while POSIX users work on the same tree
 * (docs/threat-model.md, "Locked objects"). The host runs in this process as root, so it can
 * make locked files immutable; another user's attempts go through setpriv
 * (test/helpers/unprivileged.ts).
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, statSync } from "node:fs";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
} from "@aws-sdk/client-s3";
import { sdkFailure } from "../helpers/index.ts";
import { useLockHost } from "../helpers/lock-host.ts";
import { asUser, ensureTestUser } from "../helpers/unprivileged.ts";

setDefaultTimeout(60_000);

const host = useLockHost();
const bucket = "posix-locked";
const inDays = (days: number) => new Date(Math.floor((Date.now() + days * 86_400_000) / 1000) * 1000);

/** Runs a shell command as the unprivileged test user; true when it succeeded. */
function asTestUser(script: string): boolean {
  const r = Bun.spawnSync([...asUser(ensureTestUser()), "sh", "-c", script], {
    stdout: "pipe",
    stderr: "pipe",
  });
  return r.exitCode === 0;
}

async function text(key: string, versionId?: string): Promise<string> {
  const got = await host.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return await got.Body!.transformToString();
}

async function putLocked(key: string, body: string): Promise<string> {
  const put = await host.s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ObjectLockMode: "COMPLIANCE",
      ObjectLockRetainUntilDate: inDays(1),
    }),
  );
  return put.VersionId!;
}

const path = (key: string) => `${host.root}/${bucket}/${key}`;

beforeAll(async () => {
  await host.s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  // Another user may enter the root and write the bucket directory (the bucket's POSIX owners).
  chmodSync(host.root, 0o755);
  chmodSync(`${host.root}/${bucket}`, 0o777);
});

describe("a locked current version through POSIX", () => {
  test("other users can neither change, chmod, move nor unlink the file; S3 still serves its bytes", async () => {
    await putLocked("k", "locked");
    const st = statSync(path("k"));
    expect([st.uid, st.mode & 0o7777]).toEqual([process.geteuid!(), 0o444]);
    expect(asTestUser(`echo changed > '${path("k")}'`)).toBe(false);
    expect(asTestUser(`chmod 666 '${path("k")}'`)).toBe(false);
    expect(asTestUser(`mv -f '${path("k")}' '${path("moved")}'`)).toBe(false);
    expect(asTestUser(`rm -f '${path("k")}'`)).toBe(false);
    expect(readFileSync(path("k"), "utf8")).toBe("locked");
    expect(await text("k")).toBe("locked");
  });

  test("an overwrite through S3 makes a new version; the locked one stays readable by id and undeletable", async () => {
    const locked = await putLocked("over", "first");
    const next = await host.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "over", Body: "second" }));
    expect(await text("over")).toBe("second");
    expect(await text("over", locked)).toBe("first");
    expect(
      await sdkFailure(
        host.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "over", VersionId: locked })),
      ),
    ).toMatchObject({ name: "AccessDenied", status: 403 });
    // The new, unlocked current file is an ordinary one again.
    expect(statSync(path("over")).mode & 0o222).not.toBe(0);
    expect(next.VersionId).not.toBe(locked);
  });

  test("where the immutable flag is missing, an unlink by a POSIX user leaves the version readable by id", async () => {
    const locked = await putLocked("gone", "kept");
    // As on a filesystem without the flag: the directory's owners may then unlink the name.
    expect(Bun.spawnSync(["chattr", "-i", path("gone")]).exitCode).toBe(0);
    expect(asTestUser(`echo changed > '${path("gone")}'`)).toBe(false);
    expect(asTestUser(`rm -f '${path("gone")}'`)).toBe(true);
    expect(existsSync(path("gone"))).toBe(false);
    expect(
      await sdkFailure(host.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "gone" }))),
    ).toMatchObject({
      status: 404,
    });
    expect(await text("gone", locked)).toBe("kept");
    const head = await host.s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: "gone", VersionId: locked }),
    );
    expect(head.ObjectLockMode).toBe("COMPLIANCE");
    expect(
      await sdkFailure(
        host.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "gone", VersionId: locked })),
      ),
    ).toMatchObject({ name: "AccessDenied" });
    // A file a POSIX user puts in its place is the current version, the locked one noncurrent.
    expect(asTestUser(`echo posix > '${path("gone")}'`)).toBe(true);
    expect((await text("gone")).trim()).toBe("posix");
    const listed = await host.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: "gone" }));
    expect(listed.Versions?.map((v) => [v.VersionId === locked, v.IsLatest])).toEqual([
      [false, true],
      [true, false],
    ]);
  });

  test("a legal hold placed through S3 on a file another user wrote makes it the server's and read-only", async () => {
    expect(asTestUser(`echo theirs > '${path("theirs")}'`)).toBe(true);
    expect(statSync(path("theirs")).uid).toBe(ensureTestUser().uid);
    await host.s3.send(
      new PutObjectLegalHoldCommand({ Bucket: bucket, Key: "theirs", LegalHold: { Status: "ON" } }),
    );
    const st = statSync(path("theirs"));
    expect([st.uid, st.mode & 0o7777]).toEqual([process.geteuid!(), 0o444]);
    expect(asTestUser(`echo changed > '${path("theirs")}'`)).toBe(false);
    const head = await host.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "theirs" }));
    expect(head.ObjectLockLegalHoldStatus).toBe("ON");
    expect(
      await sdkFailure(
        host.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "theirs", VersionId: head.VersionId })),
      ),
    ).toMatchObject({ name: "AccessDenied" });
    expect((await text("theirs")).trim()).toBe("theirs");
  });
});
