/**
 * The lifecycle expiry worker end to end, with days of one second (--lifecycle-day 1s): current
 * versions, noncurrent versions, delete markers and stale uploads expire as the rules say, locked
 * versions stay, every deletion reaches the audit webhook, and a host killed mid-pass is taken
 * over from its cursor by another without expiring anything twice.
 *
 * The rules are put with PutBucketLifecycleConfiguration.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  type LifecycleRule,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  s3Client,
  s3dirCli,
  startHost,
  startServer,
  type TestServer,
  uniqueBucket,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

const fast = [
  ...["--lifecycle-day", "1s", "--lifecycle-interval", "1s"],
  ...["--lifecycle-pause", "0", "--lifecycle-rate", "1000", "--lifecycle-page", "3"],
];

interface Rule {
  id: string;
  enabled?: boolean;
  filter?: Record<string, unknown>;
  expiration?: Record<string, unknown>;
  noncurrentVersionExpiration?: Record<string, unknown>;
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
}

/** Puts the rules through the S3 API (the storage shape above, in the SDK's terms). */
async function writeRules(client: S3Client, bucket: string, rules: Rule[]) {
  const Rules: LifecycleRule[] = rules.map((r) => {
    const f = (r.filter ?? {}) as {
      prefix?: string;
      sizeGreaterThan?: number;
      tags?: { key: string; value: string }[];
    };
    const Tags = f.tags?.map((t) => ({ Key: t.key, Value: t.value }));
    const parts =
      (f.prefix !== undefined ? 1 : 0) + (f.sizeGreaterThan !== undefined ? 1 : 0) + (Tags?.length ?? 0);
    const Filter =
      parts > 1
        ? { And: { Prefix: f.prefix, ObjectSizeGreaterThan: f.sizeGreaterThan, Tags } }
        : Tags?.length
          ? { Tag: Tags[0] }
          : f.sizeGreaterThan !== undefined
            ? { ObjectSizeGreaterThan: f.sizeGreaterThan }
            : { Prefix: f.prefix ?? "" };
    const e = r.expiration as { days?: number; expiredObjectDeleteMarker?: boolean } | undefined;
    const n = r.noncurrentVersionExpiration as
      | { noncurrentDays: number; newerNoncurrentVersions?: number }
      | undefined;
    return {
      ID: r.id,
      Status: r.enabled === false ? "Disabled" : "Enabled",
      Filter,
      Expiration: e && { Days: e.days, ExpiredObjectDeleteMarker: e.expiredObjectDeleteMarker },
      NoncurrentVersionExpiration: n && {
        NoncurrentDays: n.noncurrentDays,
        NewerNoncurrentVersions: n.newerNoncurrentVersions,
      },
      AbortIncompleteMultipartUpload: r.abortIncompleteMultipartUpload && {
        DaysAfterInitiation: r.abortIncompleteMultipartUpload.daysAfterInitiation,
      },
    };
  });
  await client.send(
    new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules } }),
  );
}

async function keys(client: S3Client, bucket: string): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key!);
}

async function versions(client: S3Client, bucket: string, prefix = "") {
  const out = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
  return {
    versions: (out.Versions ?? []).map((v) => ({ key: v.Key!, id: v.VersionId!, latest: v.IsLatest! })),
    markers: (out.DeleteMarkers ?? []).map((m) => ({ key: m.Key!, id: m.VersionId!, latest: m.IsLatest! })),
  };
}

function passReports(server: TestServer, bucket: string): Record<string, unknown>[] {
  return server.accessLog().filter((l) => l.msg === "lifecycle pass finished" && l.bucket === bucket);
}

/** Waits until `n` more passes over the bucket have finished (so a kept object was looked at). */
async function morePasses(server: TestServer, bucket: string, n = 2) {
  const start = passReports(server, bucket).length;
  expect(await waitFor(() => passReports(server, bucket).length >= start + n, 15_000)).toBe(true);
}

async function put(client: S3Client, bucket: string, key: string, body = "x", tagging?: string) {
  return client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Tagging: tagging }));
}

async function versioned(client: S3Client, bucket: string, status: "Enabled" | "Suspended" = "Enabled") {
  await client.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: status } }),
  );
}

describe("lifecycle expiry on one host", () => {
  let server: TestServer;
  let client: S3Client;

  beforeAll(async () => {
    server = await startHost({ args: fast });
    client = s3Client(server);
  });
  afterAll(async () => {
    await server.stop();
  });

  test("current versions expire in an unversioned bucket by prefix, size and tag filters", async () => {
    const bucket = uniqueBucket("lc");
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await put(client, bucket, "logs/a/1");
    await put(client, bucket, "logs/b");
    await put(client, bucket, "keep/c");
    await put(client, bucket, "big/small", "12345");
    await put(client, bucket, "big/large", "x".repeat(20));
    await put(client, bucket, "tagged/yes", "x", "expire=yes&other=1");
    await put(client, bucket, "tagged/no", "x", "expire=no");
    await writeRules(client, bucket, [
      { id: "logs", filter: { prefix: "logs/" }, expiration: { days: 1 } },
      { id: "big", filter: { prefix: "big/", sizeGreaterThan: 10 }, expiration: { days: 1 } },
      {
        id: "tags",
        filter: { prefix: "tagged/", tags: [{ key: "expire", value: "yes" }] },
        expiration: { days: 1 },
      },
    ]);
    const left = ["big/small", "keep/c", "tagged/no"];
    expect(await waitFor(async () => (await keys(client, bucket)).length === left.length, 15_000)).toBe(true);
    await morePasses(server, bucket);
    expect(await keys(client, bucket)).toEqual(left);
    // Emptied parent directories are pruned as by a DeleteObject.
    expect(await Bun.file(join(server.root, bucket, "logs")).exists()).toBe(false);
    // Each object expired once, in whichever pass found it due.
    const reports = passReports(server, bucket);
    expect(reports.reduce((n, r) => n + (r.expired as number), 0)).toBe(4);
    expect(reports.every((r) => r.locked === 0)).toBe(true);
  });

  test("a versioned bucket gets one delete marker per expired object; a lone marker is removed", async () => {
    const bucket = uniqueBucket("lc");
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await versioned(client, bucket);
    const first = await put(client, bucket, "cur/k", "one");
    await put(client, bucket, "cur/k", "two");
    const gone = await put(client, bucket, "m/x");
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "m/x" }));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "m/x", VersionId: gone.VersionId }));
    expect((await versions(client, bucket, "m/")).markers).toHaveLength(1);
    await writeRules(client, bucket, [
      { id: "current", filter: { prefix: "cur/" }, expiration: { days: 1 } },
      { id: "markers", filter: { prefix: "m/" }, expiration: { expiredObjectDeleteMarker: true } },
    ]);
    expect(
      await waitFor(async () => {
        const v = await versions(client, bucket);
        return v.markers.length === 1 && v.markers[0]!.key === "cur/k";
      }, 15_000),
    ).toBe(true);
    await morePasses(server, bucket);
    const v = await versions(client, bucket);
    expect(v.markers).toEqual([{ key: "cur/k", id: expect.any(String), latest: true }]);
    expect(v.versions.map((x) => x.latest)).toEqual([false, false]);
    expect(v.versions.map((x) => x.id)).toContain(first.VersionId!);
  });

  test("a suspended bucket: the null version is replaced by a null delete marker", async () => {
    const bucket = uniqueBucket("lc");
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await versioned(client, bucket);
    const kept = await put(client, bucket, "k", "versioned");
    await versioned(client, bucket, "Suspended");
    await put(client, bucket, "k", "null one");
    await writeRules(client, bucket, [{ id: "all", expiration: { days: 1 } }]);
    expect(await waitFor(async () => (await versions(client, bucket)).markers.length === 1, 15_000)).toBe(
      true,
    );
    await morePasses(server, bucket);
    const v = await versions(client, bucket);
    expect(v.markers).toEqual([{ key: "k", id: "null", latest: true }]);
    expect(v.versions).toEqual([{ key: "k", id: kept.VersionId!, latest: false }]);
  });

  test("noncurrent versions expire after NoncurrentDays, the NewerNoncurrentVersions newest kept", async () => {
    const bucket = uniqueBucket("lc");
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await versioned(client, bucket);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await put(client, bucket, "k", `v${i}`)).VersionId!);
    await writeRules(client, bucket, [
      { id: "old", noncurrentVersionExpiration: { noncurrentDays: 1, newerNoncurrentVersions: 1 } },
    ]);
    expect(await waitFor(async () => (await versions(client, bucket)).versions.length === 2, 15_000)).toBe(
      true,
    );
    await morePasses(server, bucket);
    expect((await versions(client, bucket)).versions).toEqual([
      { key: "k", id: ids[3]!, latest: true },
      { key: "k", id: ids[2]!, latest: false },
    ]);
  });

  test("incomplete multipart uploads are aborted DaysAfterInitiation after they began", async () => {
    const bucket = uniqueBucket("lc");
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "tmp/a" }));
    await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "keep/b" }));
    await writeRules(client, bucket, [
      {
        id: "uploads",
        filter: { prefix: "tmp/" },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
      },
    ]);
    const uploads = async () =>
      ((await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).map(
        (u) => u.Key,
      );
    expect(await waitFor(async () => (await uploads()).length === 1, 15_000)).toBe(true);
    await morePasses(server, bucket);
    expect(await uploads()).toEqual(["keep/b"]);
  });

  test("versions under object lock are kept; the current one still gets its delete marker", async () => {
    const bucket = uniqueBucket("lc");
    await client.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    const held = await put(client, bucket, "k", "held");
    await client.send(
      new PutObjectLegalHoldCommand({
        Bucket: bucket,
        Key: "k",
        VersionId: held.VersionId,
        LegalHold: { Status: "ON" },
      }),
    );
    const free = await put(client, bucket, "k", "free");
    await writeRules(client, bucket, [
      { id: "all", expiration: { days: 1 }, noncurrentVersionExpiration: { noncurrentDays: 1 } },
    ]);
    expect(
      await waitFor(async () => {
        const v = await versions(client, bucket);
        return v.markers.length === 1 && v.versions.length === 1;
      }, 15_000),
    ).toBe(true);
    await morePasses(server, bucket);
    const v = await versions(client, bucket);
    expect(v.versions).toEqual([{ key: "k", id: held.VersionId!, latest: false }]);
    expect(v.versions.map((x) => x.id)).not.toContain(free.VersionId!);
    expect(passReports(server, bucket).some((r) => (r.locked as number) > 0)).toBe(true);
  });
});

describe("lifecycle deletions in the audit trail", () => {
  let root: string;
  let server: TestServer;
  const received: Record<string, unknown>[] = [];
  let receiver: ReturnType<typeof Bun.serve>;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "s3dir-lc-audit-"));
    receiver = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        received.push(...((await req.json()) as Record<string, unknown>[]));
        return new Response("ok");
      },
    });
    const url = `http://127.0.0.1:${receiver.port}/events`;
    const enabled = await s3dirCli(
      root,
      ...["audit-webhook", "enable", "--url", url, "--format", "json", "--flush-interval", "0.2"],
    );
    expect(enabled.code).toBe(0);
    server = await startHost({ root, args: fast });
  });
  afterAll(async () => {
    await server.stop();
    receiver.stop(true);
    rmSync(root, { recursive: true, force: true });
  });

  test("each expiry is an event of principal 's3dir lifecycle' under AWS's event name, with its rule", async () => {
    const client = s3Client(server);
    const plain = uniqueBucket("lc");
    await client.send(new CreateBucketCommand({ Bucket: plain }));
    await put(client, plain, "a");
    const bucket = uniqueBucket("lc");
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await versioned(client, bucket);
    const old = await put(client, bucket, "k", "old");
    await put(client, bucket, "k", "new");
    await writeRules(client, plain, [{ id: "plain-rule", expiration: { days: 1 } }]);
    await writeRules(client, bucket, [
      { id: "cur-rule", expiration: { days: 1 } },
      { id: "old-rule", noncurrentVersionExpiration: { noncurrentDays: 1 } },
    ]);
    const lifecycle = () => received.filter((e) => String(e.operation).startsWith("s3:LifecycleExpiration:"));
    expect(await waitFor(() => lifecycle().length >= 3, 20_000)).toBe(true);
    // The first event of each rule (the version made noncurrent by the marker expires later too).
    const byRule = Object.fromEntries(
      lifecycle()
        .reverse()
        .map((e) => [e.lifecycleRule, e]),
    );
    expect(byRule["plain-rule"]).toMatchObject({
      operation: "s3:LifecycleExpiration:Delete",
      bucket: plain,
      key: "a",
      principal: { type: "service", user: "s3dir lifecycle" },
    });
    const marker = (await versions(client, bucket)).markers[0]!;
    expect(byRule["cur-rule"]).toMatchObject({
      operation: "s3:LifecycleExpiration:DeleteMarkerCreated",
      bucket,
      key: "k",
      versionId: marker.id,
    });
    expect(byRule["old-rule"]).toMatchObject({
      operation: "s3:LifecycleExpiration:Delete",
      bucket,
      key: "k",
      versionId: old.VersionId,
    });
  });
});

describe("lifecycle across hosts", () => {
  test("a host killed mid-pass is taken over from its cursor: nothing expired twice or missed", async () => {
    const root = mkdtempSync(join(tmpdir(), "s3dir-lc-hosts-"));
    const slow = [
      ...["--lifecycle-day", "1s", "--lifecycle-interval", "1s"],
      ...["--lifecycle-pause", "500", "--lifecycle-rate", "1000", "--lifecycle-page", "2"],
    ];
    const first = await startServer({ root, args: slow });
    let second: TestServer | undefined;
    try {
      const client = s3Client(first);
      const bucket = uniqueBucket("lc");
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      await versioned(client, bucket);
      const all = Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(2, "0")}`);
      for (const key of all) await put(client, bucket, key);
      // Every object is a day (one second) old before the rules exist: one pass expires them all.
      await Bun.sleep(1100);
      await writeRules(client, bucket, [{ id: "all", expiration: { days: 1 } }]);
      const markers = async () => (await versions(client, bucket)).markers.length;
      expect(await waitFor(async () => (await markers()) >= 4, 15_000, 20)).toBe(true);
      const startedAt = Date.now();
      second = await startHost({ root, args: fast });
      await first.kill("SIGKILL");
      const survivor = s3Client(second);
      expect((await versions(survivor, bucket)).markers.length).toBeLessThan(all.length);

      expect(
        await waitFor(async () => (await versions(survivor, bucket)).markers.length >= all.length, 20_000),
      ).toBe(true);
      expect(await waitFor(() => passReports(second!, bucket).length > 0, 10_000)).toBe(true);
      const v = await versions(survivor, bucket);
      expect(v.markers.map((m) => m.key)).toEqual(all);
      expect(v.versions.map((x) => x.key)).toEqual(all);
      // The pass the survivor finished is the one the killed host began, resumed from its cursor.
      const report = passReports(second, bucket)[0]!;
      expect(Date.parse(report.startedAt as string)).toBeLessThan(startedAt);
      expect(report.keys as number).toBeLessThan(all.length + 2 * 2);
    } finally {
      await second?.stop();
      await first.stop().catch(() => {});
      rmSync(root, { recursive: true, force: true });
    }
  });
});
