/**
 * Versioned buckets shared by several hosts on one root: listings resumed on another host, two
 * hosts writing one key at once, a host killed between keeping the old version and publishing
 * the new one, and files changed or removed through POSIX.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  s3Client,
  sdkFailure,
  signedFetch,
  startServer,
  type TestServer,
  uniqueBucket,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(120_000);

const roots: string[] = [];
const servers: TestServer[] = [];
const clients: S3Client[] = [];

afterAll(async () => {
  for (const c of clients) c.destroy();
  for (const s of servers) await s.stop();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function freshRoot(prefix = "s3dir-vhosts-"): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  roots.push(root);
  return root;
}

async function host(
  root: string,
  env?: Record<string, string>,
): Promise<{ server: TestServer; s3: S3Client }> {
  const server = await startServer({ root, env });
  servers.push(server);
  const s3 = s3Client(server);
  clients.push(s3);
  return { server, s3 };
}

async function versionedBucket(s3: S3Client, prefix: string): Promise<string> {
  const bucket = uniqueBucket(prefix);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
  );
  return bucket;
}

async function body(s3: S3Client, bucket: string, key: string, versionId?: string) {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return { text: await got.Body!.transformToString(), versionId: got.VersionId };
}

function entriesOf(page: ListObjectVersionsCommandOutput) {
  return [
    ...(page.Versions ?? []).map((v) => ({
      key: v.Key!,
      id: v.VersionId as string | undefined,
      latest: v.IsLatest!,
      marker: false,
    })),
    ...(page.DeleteMarkers ?? []).map((m) => ({
      key: m.Key!,
      id: m.VersionId as string | undefined,
      latest: m.IsLatest!,
      marker: true,
    })),
  ];
}

async function allVersions(s3: S3Client, bucket: string) {
  return entriesOf(await s3.send(new ListObjectVersionsCommand({ Bucket: bucket })));
}

describe("two hosts on one root", () => {
  let a: { server: TestServer; s3: S3Client };
  let b: { server: TestServer; s3: S3Client };
  const shared = freshRoot();
  beforeAll(async () => {
    a = await host(shared);
    b = await host(shared);
  });

  test("a ListObjectVersions page from one host continues on the other", async () => {
    const bucket = await versionedBucket(a.s3, "vpages");
    const written: string[] = [];
    for (const key of ["k1", "k2", "k3"]) {
      for (let n = 0; n < 3; n++) {
        const writer = n % 2 === 0 ? a.s3 : b.s3;
        const put = await writer.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${key}-${n}` }),
        );
        written.push(`${key}@${put.VersionId}`);
      }
    }
    const seen: string[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (let page = 0; page < 20; page++) {
      const client = page % 2 === 0 ? a.s3 : b.s3;
      const r = await client.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          MaxKeys: 2,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
        }),
      );
      for (const e of entriesOf(r)) seen.push(`${e.key}@${e.id}`);
      if (!r.IsTruncated) break;
      keyMarker = r.NextKeyMarker;
      versionIdMarker = r.NextVersionIdMarker;
    }
    // Each key's versions newest first, keys in order, nothing twice and nothing missed.
    const expected = ["k1", "k2", "k3"].flatMap((key) =>
      written.filter((w) => w.startsWith(`${key}@`)).reverse(),
    );
    expect(seen).toEqual(expected);
  });

  test("two hosts writing one key at once: every version kept with its own id, the newest id current", async () => {
    const bucket = await versionedBucket(a.s3, "vrace");
    const writes = [];
    for (let n = 0; n < 12; n++) {
      const client = n % 2 === 0 ? a.s3 : b.s3;
      writes.push(client.send(new PutObjectCommand({ Bucket: bucket, Key: "hot", Body: `write ${n}` })));
    }
    const results = await Promise.all(writes);
    const ids = results.map((r) => r.VersionId!);
    expect(new Set(ids).size).toBe(12);
    const listed = await allVersions(a.s3, bucket);
    expect(listed.map((v) => v.id).sort()).toEqual([...ids].sort());
    expect(listed.filter((v) => v.latest).length).toBe(1);
    const latest = listed[0]!;
    expect(latest.latest).toBe(true);
    expect(latest.id).toBe([...ids].sort().at(-1)!);
    // Every version reads back with the bytes of the write that made it, from either host.
    for (const [n, id] of ids.entries()) {
      const reader = n % 2 === 0 ? b.s3 : a.s3;
      expect(await body(reader, bucket, "hot", id)).toEqual({ text: `write ${n}`, versionId: id });
    }
    expect((await body(b.s3, bucket, "hot")).versionId).toBe(latest.id);
  });

  test("a file changed through POSIX is the current version under a derived id; the next PUT keeps it", async () => {
    const bucket = await versionedBucket(a.s3, "vposix");
    const v1 = await a.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "dir/file.txt", Body: "from s3" }),
    );
    const path = join(shared, bucket, "dir", "file.txt");
    writeFileSync(path, "changed by a file user");
    utimesSync(path, new Date(), new Date(Date.now() + 5_000));

    const current = await body(b.s3, bucket, "dir/file.txt");
    expect(current.text).toBe("changed by a file user");
    expect(current.versionId).toMatch(/^[0-9a-z]{29}$/);
    expect(current.versionId).not.toBe(v1.VersionId);
    // Both hosts derive the same id without writing anything.
    expect((await body(a.s3, bucket, "dir/file.txt")).versionId).toBe(current.versionId);
    // The bytes the file user overwrote in place are gone.
    const lost = await sdkFailure(
      a.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "dir/file.txt", VersionId: v1.VersionId })),
    );
    expect(lost.name).toBe("NoSuchVersion");

    const v3 = await b.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "dir/file.txt", Body: "s3 again" }),
    );
    expect(await body(a.s3, bucket, "dir/file.txt", current.versionId)).toEqual({
      text: "changed by a file user",
      versionId: current.versionId,
    });
    const listed = await allVersions(a.s3, bucket);
    expect(listed.map((v) => [v.id, v.latest])).toEqual([
      [v3.VersionId, true],
      [current.versionId, false],
    ]);
  });

  test("rm through POSIX leaves no current version and no marker; older versions stay listed", async () => {
    const bucket = await versionedBucket(a.s3, "vrm");
    const v1 = await a.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "gone", Body: "1" }));
    await a.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "gone", Body: "2" }));
    unlinkSync(join(shared, bucket, "gone"));
    const read = await signedFetch(b.server, `/${bucket}/gone`);
    expect(read.status).toBe(404);
    expect(read.headers.get("x-amz-delete-marker")).toBeNull();
    const listed = await allVersions(b.s3, bucket);
    expect(listed.map((v) => [v.id, v.latest, v.marker])).toEqual([[v1.VersionId, false, false]]);
  });
});

describe("a host killed between keeping the old version and publishing the new one", () => {
  test("leaves no half version: the old versions read back and the next write works", async () => {
    const root = freshRoot();
    const first = await host(root);
    const bucket = await versionedBucket(first.s3, "vcrash");
    const v1 = await first.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "version one" }));
    const v2 = await first.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "version two" }));

    const pauseDir = freshRoot("s3dir-vpause-");
    const paused = await host(root, { S3DIR_TEST_PAUSE_AT: "version-kept", S3DIR_TEST_PAUSE_DIR: pauseDir });
    const cutOff = paused.s3
      .send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "version three" }))
      .then(
        () => "written",
        () => "failed",
      );
    expect(await waitFor(() => existsSync(join(pauseDir, "version-kept")), 30_000, 20)).toBe(true);
    await paused.server.kill("SIGKILL");
    expect(await cutOff).toBe("failed");

    const restarted = await host(root);
    expect(await body(restarted.s3, bucket, "k")).toEqual({ text: "version two", versionId: v2.VersionId });
    expect(await body(restarted.s3, bucket, "k", v1.VersionId)).toEqual({
      text: "version one",
      versionId: v1.VersionId,
    });
    expect((await allVersions(restarted.s3, bucket)).map((v) => [v.id, v.latest])).toEqual([
      [v2.VersionId, true],
      [v1.VersionId, false],
    ]);

    const v4 = await restarted.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "version four" }),
    );
    expect((await allVersions(first.s3, bucket)).map((v) => [v.id, v.latest])).toEqual([
      [v4.VersionId, true],
      [v2.VersionId, false],
      [v1.VersionId, false],
    ]);
    expect((await body(first.s3, bucket, "k", v2.VersionId)).text).toBe("version two");
  });
});
