/**
 * Real directory quotas beside s3dir's own: `s3dir doctor` says which the root's filesystem
 * offers, `bucket quota set --fs-quota` sets an XFS project quota on the bucket (and its state,
 * where writes are staged), `unset` removes it. A write past it fails with EDQUOT for POSIX
 * users and with 403 QuotaExceeded for S3 clients, nothing stored. XFS on a loop file, as root;
 * skipped where mkfs.xfs, loop devices or the kernel's XFS quotas are missing.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  bytes,
  s3Client,
  s3dirCli,
  sdkFailure,
  startHost,
  type TestServer,
  uniqueBucket,
  walk,
} from "../helpers/index.ts";
import { bucketState } from "../helpers/util.ts";
import { mountXfsLoop, type XfsLoop } from "../helpers/xfs-loop.ts";

setDefaultTimeout(120_000);

const KiB = 1024;
const isRoot = process.getuid?.() === 0;

function mounted(options: string[]): { loop?: XfsLoop; why?: string } {
  if (!isRoot) return { why: "needs root" };
  const loop = mountXfsLoop(options);
  return typeof loop === "string" ? { why: loop } : { loop };
}

async function doctorQuotaLine(root: string): Promise<string> {
  const out = await s3dirCli(root, "doctor", "--json");
  const results = JSON.parse(out.stdout).results as { name: string; detail: string }[];
  return results.find((r) => r.name === "filesystem quotas")?.detail ?? "";
}

describe("XFS without prjquota", () => {
  const { loop, why } = mounted([]);
  if (why) console.warn(`fs-quota: plain XFS skipped: ${why}`);
  afterAll(() => loop?.unmount());

  test.skipIf(!loop)("doctor says none; --fs-quota is refused and sets nothing", async () => {
    const root = loop!.path;
    expect(await doctorQuotaLine(root)).toContain("without prjquota");
    const bucket = uniqueBucket("nofsq");
    expect((await s3dirCli(root, "bucket", "create", bucket)).code).toBe(0);
    const set = await s3dirCli(root, "bucket", "quota", "set", bucket, "1MiB", "--fs-quota");
    expect(set.code).not.toBe(0);
    expect(set.stderr).toContain("no filesystem quota available here");
    const list = await s3dirCli(root, "bucket", "list", "--json");
    const row = (JSON.parse(list.stdout) as { name: string; quota: { hard: number | null } }[]).find(
      (b) => b.name === bucket,
    );
    expect(row?.quota.hard).toBeNull();
  });
});

describe("XFS with project quotas", () => {
  const { loop, why } = mounted(["prjquota"]);
  if (why) console.warn(`fs-quota: XFS project quotas skipped: ${why}`);
  let server: TestServer | undefined;
  let s3: S3Client;
  beforeAll(async () => {
    if (!loop) return;
    // No recount while the test runs: only the filesystem knows of the POSIX-written bytes.
    server = await startHost({ root: loop.path, args: ["--quota-recount", "1h"] });
    s3 = s3Client(server);
  });
  afterAll(async () => {
    await server?.stop();
    loop?.unmount();
  });

  test.skipIf(!loop)("doctor names the XFS project quotas", async () => {
    expect(await doctorQuotaLine(loop!.path)).toContain("XFS project quotas");
  });

  test.skipIf(!loop)(
    "a POSIX write past the project quota gets EDQUOT; an S3 PUT past it 403 QuotaExceeded, nothing stored",
    async () => {
      const root = loop!.path;
      const bucket = uniqueBucket("fsq");
      expect((await s3dirCli(root, "bucket", "create", bucket)).code).toBe(0);
      const set = await s3dirCli(root, "bucket", "quota", "set", bucket, "1MiB", "--fs-quota", "--json");
      expect(set.stderr).toBe("");
      expect(JSON.parse(set.stdout).fsQuota.kind).toBe("xfs");

      let posixError: NodeJS.ErrnoException | undefined;
      try {
        writeFileSync(join(root, bucket, "too-big"), bytes(2048 * KiB));
      } catch (e) {
        posixError = e as NodeJS.ErrnoException;
      }
      expect(posixError?.code).toBe("EDQUOT");

      // s3dir's ledger does not know of the POSIX file (no recount yet): the filesystem refuses.
      writeFileSync(join(root, bucket, "too-big"), bytes(700 * KiB));
      const failure = await sdkFailure(
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: bytes(600 * KiB) })),
      );
      expect(failure.name).toBe("QuotaExceeded");
      expect(failure.status).toBe(403);
      const head = await sdkFailure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" })));
      expect(head.status).toBe(404);
      expect(walk(bucketState(root, bucket, "tmp"))).toEqual([]);

      const unset = await s3dirCli(root, "bucket", "quota", "unset", bucket);
      expect(unset.code).toBe(0);
      expect(unset.stdout).toContain("XFS project");
      writeFileSync(join(root, bucket, "big-now"), bytes(2048 * KiB));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: bytes(600 * KiB) }));
    },
  );
});
