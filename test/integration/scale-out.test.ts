/**
 * The scale-out story: three stateless hosts over one shared root behind nginx (the shipped
 * configuration), with a mixed workload, multipart parts on different hosts, conditional writes
 * racing from two hosts, listing while writing, and a host killed with SIGKILL and restarted.
 * The same suite runs over a local directory and over GlusterFS (two bricks, one FUSE mount per
 * host, as separate machines would have it), with the volume's coherent settings and with its
 * default caching, where another mount may see a change up to about a second late.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { type GlusterCluster, glusterMissing, startGluster } from "../helpers/gluster.ts";
import {
  bytes,
  md5Hex,
  s3Client,
  startServer,
  type TestServer,
  testCredentials,
  uniqueBucket,
  waitFor,
} from "../helpers/index.ts";
import { type RunningProxy, startNginx } from "../helpers/load-balancer.ts";

setDefaultTimeout(90_000);

let gluster: GlusterCluster | undefined;

beforeAll(async () => {
  if (glusterMissing) throw new Error(glusterMissing);
  gluster = await startGluster();
});

afterAll(async () => {
  await gluster?.stop();
});

interface RootKind {
  name: string;
  /** One root per host (the same directory, or one mount each of the same volume). */
  roots(): Promise<{ roots: string[]; cleanup?: () => void }>;
  /** How late another host may see a change on this filesystem. */
  staleMs: number;
}

const kinds: RootKind[] = [
  {
    name: "a local directory",
    staleMs: 0,
    roots: async () => {
      const dir = mkdtempSync(join(tmpdir(), "s3dir-scale-"));
      return { roots: [dir, dir, dir], cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: "GlusterFS with the coherent profile",
    staleMs: 0,
    roots: async () => ({ roots: (await gluster!.volume("coherent", { mounts: 3, coherent: true })).mounts }),
  },
  {
    name: "GlusterFS with default caching",
    staleMs: 2500,
    roots: async () => ({ roots: (await gluster!.volume("cached", { mounts: 3, coherent: false })).mounts }),
  },
];

function clientFor(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: testCredentials });
}

async function text(client: S3Client, bucket: string, key: string): Promise<string> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return await out.Body!.transformToString();
}

async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (e) {
    return (e as { name: string }).name;
  }
}

/** Every key of a bucket, listed in pages of `pageSize`. */
async function listAll(
  client: S3Client,
  bucket: string,
  prefix: string,
  pageSize = 7,
): Promise<{ key: string; size: number }[]> {
  const out: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: pageSize,
        ContinuationToken: token,
      }),
    );
    for (const c of page.Contents ?? []) out.push({ key: c.Key!, size: c.Size! });
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

/** Runs tasks with at most `limit` at once. */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item);
    }),
  );
}

for (const kind of kinds) {
  describe(`three hosts over ${kind.name}, behind nginx`, () => {
    let hosts: TestServer[] = [];
    let roots: string[] = [];
    let cleanup: (() => void) | undefined;
    let nginx: RunningProxy | undefined;
    let lb: S3Client;
    const bucket = uniqueBucket("scale");
    /** Waits out the filesystem's staleness for a check that must eventually hold. */
    const eventually = async (check: () => Promise<boolean>) =>
      kind.staleMs === 0 ? await check() : await waitFor(check, kind.staleMs, 100);

    beforeAll(async () => {
      ({ roots, cleanup } = await kind.roots());
      hosts = await Promise.all(roots.map((root) => startServer({ root })));
      nginx = await startNginx(hosts);
      lb = clientFor(nginx.endpoint);
      await lb.send(new CreateBucketCommand({ Bucket: bucket }));
      // The bucket must be visible on every mount before the workload starts.
      for (const h of hosts) {
        expect(
          await eventually(
            async () =>
              (await outcome(s3Client(h).send(new ListObjectsV2Command({ Bucket: bucket })))) === "ok",
          ),
        ).toBe(true);
      }
    });

    afterAll(async () => {
      lb?.destroy();
      await nginx?.stop();
      await Promise.all(hosts.map((h) => h.stop()));
      cleanup?.();
    });

    test("a mixed workload through the proxy: every object reads back whole, the listing is complete and sorted", async () => {
      const objects = Array.from({ length: 24 }, (_, i) => ({
        key: `mixed/${String(i).padStart(2, "0")}${i % 3 === 0 ? "/deep" : ""}.bin`,
        body: bytes(i === 5 ? 3 * 1024 * 1024 : i * 4099, i + 1),
      }));
      await pool(objects, 4, async ({ key, body }) => {
        await lb.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      });
      await pool(objects, 4, async ({ key, body }) => {
        const whole = await eventually(async () => {
          const out = await lb
            .send(new GetObjectCommand({ Bucket: bucket, Key: key }))
            .catch(() => undefined);
          if (!out) return false;
          const got = await out.Body!.transformToByteArray();
          // Never a torn or mixed object: either absent (stale) or exactly the bytes written.
          expect(got.length === body.length && md5Hex(got) === md5Hex(body)).toBe(true);
          return true;
        });
        expect(whole).toBe(true);
      });
      const expected = objects.map((o) => o.key).sort();
      expect(
        await eventually(
          async () => (await listAll(lb, bucket, "mixed/")).map((o) => o.key).join() === expected.join(),
        ),
      ).toBe(true);
    });

    test("a multipart upload through the proxy: parts land on different hosts and complete into one object", async () => {
      const key = "multipart/object.bin";
      const parts = [bytes(5 * 1024 * 1024, 11), bytes(5 * 1024 * 1024, 12), bytes(1024 * 1024, 13)];
      const { UploadId } = await lb.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      const etags: string[] = [];
      for (const [i, body] of parts.entries()) {
        // The upload must be visible to the host that takes the part.
        let etag: string | undefined;
        expect(
          await eventually(async () => {
            const out = await lb
              .send(
                new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: body }),
              )
              .catch(() => undefined);
            etag = out?.ETag;
            return etag !== undefined;
          }),
        ).toBe(true);
        etags.push(etag!);
      }
      const takers = hosts.filter((h) =>
        h.accessLog().some((e) => e.operation === "UploadPart" && e.key === key),
      );
      expect(takers.length).toBeGreaterThanOrEqual(2);
      await lb.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        }),
      );
      const whole = Buffer.concat(parts);
      expect(
        await eventually(async () => {
          const out = await lb
            .send(new GetObjectCommand({ Bucket: bucket, Key: key }))
            .catch(() => undefined);
          return out !== undefined && md5Hex(await out.Body!.transformToByteArray()) === md5Hex(whole);
        }),
      ).toBe(true);
    });

    test("conditional writes racing from two hosts: exactly one winner every time", async () => {
      const [a, b, c] = hosts.map((h) => s3Client(h));
      for (let round = 0; round < 6; round++) {
        const key = `race/create-${round}`;
        const results = await Promise.all([
          outcome(
            a!.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "from a", IfNoneMatch: "*" })),
          ),
          outcome(
            b!.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "from b", IfNoneMatch: "*" })),
          ),
        ]);
        expect(results.filter((r) => r === "ok")).toHaveLength(1);
        for (const r of results.filter((r) => r !== "ok"))
          expect(["PreconditionFailed", "ConditionalRequestConflict"]).toContain(r);
        const winner = results[0] === "ok" ? "from a" : "from b";
        expect(await eventually(async () => (await text(c!, bucket, key).catch(() => "")) === winner)).toBe(
          true,
        );
      }
      const key = "race/update";
      const first = await a!.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "v1" }));
      await eventually(
        async () => (await outcome(b!.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))) === "ok",
      );
      const results = await Promise.all([
        outcome(
          a!.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "v2 from a", IfMatch: first.ETag })),
        ),
        outcome(
          b!.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "v2 from b", IfMatch: first.ETag })),
        ),
      ]);
      expect(results.filter((r) => r === "ok")).toHaveLength(1);
      for (const client of [a, b, c]) client!.destroy();
    });

    test("listing while another host writes: every page sorted, nothing torn, complete at the end", async () => {
      const [writer, lister, checker] = hosts.map((h) => s3Client(h));
      const keys = Array.from({ length: 30 }, (_, i) => `live/${String(i).padStart(2, "0")}`);
      const sizeOf = (key: string) => 100 + Number(key.slice(-2)) * 37;
      let done = false;
      const writing = (async () => {
        for (const key of keys) {
          await writer!.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes(sizeOf(key), 3) }));
        }
        done = true;
      })();
      let listings = 0;
      while (!done || listings === 0) {
        const listed = await listAll(lister!, bucket, "live/", 5);
        const names = listed.map((o) => o.key);
        expect(names).toEqual([...names].sort());
        expect(new Set(names).size).toBe(names.length);
        for (const o of listed) {
          expect(keys).toContain(o.key);
          expect(o.size).toBe(sizeOf(o.key));
        }
        listings++;
      }
      await writing;
      expect(listings).toBeGreaterThan(0);
      expect(
        await eventually(async () => (await listAll(checker!, bucket, "live/")).length === keys.length),
      ).toBe(true);
      for (const client of [writer, lister, checker]) client!.destroy();
    });

    test("metadata too large for one xattr falls back cleanly and reads the same on another host", async () => {
      const [a, b] = hosts.map((h) => s3Client(h));
      const metadata = Object.fromEntries(
        Array.from({ length: 16 }, (_, i) => [`field-${i}`, "m".repeat(100)]),
      );
      const disposition = `attachment; filename="${"d".repeat(2500)}.txt"`;
      await a!.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: "meta/large",
          Body: "with a lot of metadata",
          Metadata: metadata,
          ContentDisposition: disposition,
          ContentType: "text/x-large-record",
        }),
      );
      let head: HeadObjectCommandOutput | undefined;
      expect(
        await eventually(async () => {
          head = await b!
            .send(new HeadObjectCommand({ Bucket: bucket, Key: "meta/large" }))
            .catch(() => undefined);
          return head !== undefined;
        }),
      ).toBe(true);
      const h = head as {
        Metadata?: Record<string, string>;
        ContentDisposition?: string;
        ContentType?: string;
      };
      expect(h.Metadata).toEqual(metadata);
      expect(h.ContentDisposition).toBe(disposition);
      expect(h.ContentType).toBe("text/x-large-record");
      a!.destroy();
      b!.destroy();
    });

    test("a host killed with SIGKILL mid-upload: the others serve on, nothing partial appears, it restarts cleanly", async () => {
      const victim = hosts[2]!;
      await lb.send(new PutObjectCommand({ Bucket: bucket, Key: "kill/before.txt", Body: "written before" }));
      const slowBody = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await Bun.sleep(50);
          controller.enqueue(bytes(64 * 1024, 9));
        },
      });
      const { AwsClient } = await import("aws4fetch");
      const signer = new AwsClient({ ...testCredentials, service: "s3", region: "us-east-1" });
      const signed = await signer.sign(`${victim.endpoint}/${bucket}/kill/partial.bin`, {
        method: "PUT",
        headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-length": String(64 * 1024 * 1024) },
      });
      const upload = fetch(signed.url, { method: "PUT", headers: signed.headers, body: slowBody }).catch(
        (e) => e,
      );
      await Bun.sleep(400);
      await victim.kill("SIGKILL");
      await upload;
      for (let i = 0; i < 6; i++) {
        expect(
          await eventually(
            async () => (await text(lb, bucket, "kill/before.txt").catch(() => "")) === "written before",
          ),
        ).toBe(true);
      }
      const restarted = await startServer({ root: roots[2]!, port: victim.port });
      hosts[2] = restarted;
      const direct = s3Client(restarted);
      expect(await text(direct, bucket, "kill/before.txt")).toBe("written before");
      expect(
        await outcome(direct.send(new HeadObjectCommand({ Bucket: bucket, Key: "kill/partial.bin" }))),
      ).toBe("NotFound");
      expect((await listAll(direct, bucket, "kill/")).map((o) => o.key)).toEqual(["kill/before.txt"]);
      direct.destroy();
    });
  });
}
