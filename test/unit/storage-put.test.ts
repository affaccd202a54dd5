import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import { createCrc32c, createCrc64Nvme } from "../../src/lib/crc.ts";
import {
  type BodyVerification,
  createPosixStore,
  type PosixStore,
  type WriteConditions,
} from "../../src/storage/index.ts";
import { code } from "../helpers/storage-error-code.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

const enc = new TextEncoder();
const b64 = (u: Uint8Array) => Buffer.from(u).toString("base64");
const md5 = (d: string | Uint8Array) => createHash("md5").update(d).digest();

function body(data: string | Uint8Array): ReadableStream<Uint8Array> {
  return new Blob([data as BlobPart]).stream();
}

/** A body that yields some chunks, then fails like a client that went away. */
function failingBody(err: Error): ReadableStream<Uint8Array> {
  let n = 0;
  return new ReadableStream({
    pull(c) {
      if (n++ < 3) c.enqueue(new Uint8Array(1 << 20).fill(7));
      else c.error(err);
    },
  });
}

const modes = [
  ["xattr", true],
  ["file", true],
  ["xattr", false],
  ["file", false],
] as const;

describe.each(modes)("putObject with %s metadata, sync I/O %p", (kind, syncIo) => {
  let s: PosixStore;
  let dir: string;
  const put = (
    key: string,
    data: string | Uint8Array,
    verify: BodyVerification = {},
    conditions?: WriteConditions,
  ) =>
    s.putObject({
      bucket: "bkt",
      key,
      body: body(data),
      attributes: { userMetadata: {} },
      verify,
      conditions,
    });
  const noTrace = (key: string) => {
    expect(fs.existsSync(`${dir}/${key}`)).toBe(false);
    expect(fs.readdirSync(`${s.root}/.s3dir/buckets/bkt/tmp`)).toEqual([]);
  };

  beforeAll(async () => {
    const root = fs.mkdtempSync(`${os.tmpdir()}/s3dir-put-`);
    roots.push(root);
    s = await createPosixStore({ root, fsync: true, metadataStore: kind, syncMetadataIo: syncIo });
    await s.createBucket("bkt");
    dir = `${root}/bkt`;
    await put("warmup", "x");
  });

  test("with fsync on, every PUT syncs its directory through the shared directory syncs", async () => {
    const before = s.publisher.directorySyncs.syncs;
    const keys = Array.from({ length: 16 }, (_, i) => `group/k${i}`);
    await put("group/first", "0");
    const after1 = s.publisher.directorySyncs.syncs;
    expect(after1).toBe(before + 1);
    await Promise.all(keys.map((k) => put(k, k)));
    for (const k of keys) expect(fs.readFileSync(`${dir}/${k}`, "utf8")).toBe(k);
    const used = s.publisher.directorySyncs.syncs - after1;
    expect(used).toBeGreaterThanOrEqual(1);
    expect(used).toBeLessThanOrEqual(keys.length);
    noTrace("group/none");
  });

  test("every checksum algorithm verifies and is stored", async () => {
    const data = enc.encode("The quick brown fox jumps over the lazy dog");
    const crc32 = new Uint8Array(4);
    new DataView(crc32.buffer).setUint32(0, Bun.hash.crc32(data));
    const c32c = createCrc32c();
    c32c.update(data);
    const c64 = createCrc64Nvme();
    c64.update(data);
    const expected = {
      CRC32: b64(crc32),
      CRC32C: b64(c32c.digest()),
      CRC64NVME: b64(c64.digest()),
      SHA1: createHash("sha1").update(data).digest("base64"),
      SHA256: createHash("sha256").update(data).digest("base64"),
    } as const;
    expect(expected.CRC32).toBe("QU+jOQ=="); // 0x414fa339
    for (const [algorithm, value] of Object.entries(expected) as [keyof typeof expected, string][]) {
      const r = await put(`ck-${algorithm}`, data, { checksum: { algorithm, expected: value } });
      expect(r.checksum).toEqual({ algorithm, value, type: "FULL_OBJECT" });
      expect((await s.headObject("bkt", `ck-${algorithm}`)).checksum?.value).toBe(value);
      expect(
        await code(put(`bad-${algorithm}`, data, { checksum: { algorithm, expected: "AAAAAA==" } })),
      ).toBe("ChecksumMismatch");
      noTrace(`bad-${algorithm}`);
    }
  });

  test("Content-MD5, SHA-256, sizes and trailers are enforced", async () => {
    const data = "payload";
    await put("good", data, {
      md5Base64: md5(data).toString("base64"),
      sha256Hex: createHash("sha256").update(data).digest("hex"),
      expectedSize: 7,
    });
    expect(await code(put("p1", data, { md5Base64: md5("other").toString("base64") }))).toBe("BadDigest");
    noTrace("p1");
    expect(await code(put("p2", data, { sha256Hex: "00".repeat(32) }))).toBe("Sha256Mismatch");
    noTrace("p2");
    expect(await code(put("p3", data, { expectedSize: 8 }))).toBe("IncompleteBody");
    noTrace("p3");
    expect(await code(put("p4", data, { expectedSize: 6 }))).toBe("IncompleteBody");
    noTrace("p4");
    expect(await code(put("p5", data, { expectedSize: 6 * 1024 ** 4 }))).toBe("TooLarge");
    noTrace("p5");
    const trailer = async () => ({ checksumExpected: b64(new Uint8Array(4)) });
    expect(await code(put("p6", data, { checksum: { algorithm: "CRC32" }, beforePublish: trailer }))).toBe(
      "ChecksumMismatch",
    );
    noTrace("p6");
    const good = Buffer.alloc(4);
    good.writeUInt32BE(Bun.hash.crc32(data));
    const ok = await put("p7", data, {
      checksum: { algorithm: "CRC32" },
      beforePublish: async () => ({ checksumExpected: good.toString("base64") }),
    });
    expect(ok.checksum?.value).toBe(good.toString("base64"));
    const sigErr = new Error("trailer signature mismatch");
    const thrown = put("p8", data, {
      beforePublish: async () => {
        throw sigErr;
      },
    }).catch((e) => e);
    expect(await thrown).toBe(sigErr);
    noTrace("p8");
  });

  test("a body stream that errors mid-way leaves nothing and its error propagates", async () => {
    const err = new Error("client disconnected");
    const r = s
      .putObject({
        bucket: "bkt",
        key: "broken",
        body: failingBody(err),
        attributes: { userMetadata: {} },
        verify: {},
      })
      .catch((e) => e);
    expect(await r).toBe(err);
    noTrace("broken");
    const listed = await s.list({ bucket: "bkt", prefix: "broken", delimiter: "", after: "", maxKeys: 10 });
    expect(listed.objects).toEqual([]);
  });

  test("many small chunks are coalesced into exact bytes", async () => {
    const chunks = Array.from({ length: 3000 }, (_, i) => new Uint8Array(1500).fill(i & 0xff));
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        const next = chunks.shift();
        if (next) c.enqueue(next);
        else c.close();
      },
    });
    const all = new Uint8Array(3000 * 1500);
    for (let i = 0; i < 3000; i++) all.fill(i & 0xff, i * 1500, (i + 1) * 1500);
    const r = await s.putObject({
      bucket: "bkt",
      key: "chunky",
      body: stream,
      attributes: { userMetadata: {} },
      verify: {},
    });
    expect(r.etag).toBe(md5(all).toString("hex"));
    expect(new Uint8Array(fs.readFileSync(`${dir}/chunky`))).toEqual(all);
  });

  test("small, 1 MiB and larger chunks in any order land as exact bytes with the right ETag", async () => {
    const sizes = [65536, 1 << 20, 3 * (1 << 20) + 7, 1, 524288, (1 << 20) + 1, 12345];
    const chunks = sizes.map((n, i) => new Uint8Array(n).fill(i + 1));
    const all = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        const next = chunks.shift();
        if (next) c.enqueue(next);
        else c.close();
      },
    });
    const r = await s.putObject({
      bucket: "bkt",
      key: "mixed",
      body: stream,
      attributes: { userMetadata: {} },
      verify: { expectedSize: all.length, md5Base64: b64(md5(all)) },
    });
    expect(r.etag).toBe(md5(all).toString("hex"));
    expect(new Uint8Array(fs.readFileSync(`${dir}/mixed`))).toEqual(all);
  });

  test("If-None-Match: * — exactly one of concurrent writers wins", async () => {
    for (let round = 0; round < 5; round++) {
      const key = `lock-${round}`;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => code(put(key, `writer ${i}`, {}, { ifNoneMatch: "*" }))),
      );
      expect(results.filter((r) => r === "ok").length).toBe(1);
      expect(results.filter((r) => r === "PreconditionFailed").length).toBe(7);
      const winner = results.indexOf("ok");
      expect(fs.readFileSync(`${dir}/${key}`, "utf8")).toBe(`writer ${winner}`);
    }
    expect(fs.readdirSync(`${s.root}/.s3dir/buckets/bkt/tmp`)).toEqual([]);
    expect(await code(put("nested/cond", "x", {}, { ifNoneMatch: "*" }))).toBe("ok");
    expect(await code(put("nested/cond", "y", {}, { ifNoneMatch: "*" }))).toBe("PreconditionFailed");
  });

  test("If-Match: compares the current ETag atomically", async () => {
    expect(await code(put("im", "v1", {}, { ifMatch: "*" }))).toBe("NoSuchKey");
    const v1 = await put("im", "v1");
    expect(await code(put("im", "v2", {}, { ifMatch: "0".repeat(32) }))).toBe("PreconditionFailed");
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => code(put("im", `next ${i}`, {}, { ifMatch: `"${v1.etag}"` }))),
    );
    expect(results.filter((r) => r === "ok").length).toBe(1);
    expect(results.filter((r) => r === "PreconditionFailed").length).toBe(5);
    expect(await code(put("im", "any", {}, { ifMatch: "*" }))).toBe("ok");
    await put("imdir/", "");
    expect(await code(put("imdir/", "", {}, { ifNoneMatch: "*" }))).toBe("PreconditionFailed");
    expect(await code(put("imdir/", "", {}, { ifMatch: "d41d8cd98f00b204e9800998ecf8427e" }))).toBe("ok");
    expect(fs.readdirSync(`${s.root}/.s3dir/buckets/bkt/tmp`)).toEqual([]);
  });

  test("writers and parent-pruning deletes race safely in one directory", async () => {
    for (let round = 0; round < 30; round++) {
      await put(`race/d/${round}-old`, "old");
      const results = await Promise.all([
        s.deleteObject("bkt", `race/d/${round}-old`).then(() => "ok"),
        code(put(`race/d/${round}-new`, "new")),
      ]);
      expect(results).toEqual(["ok", "ok"]);
      expect(fs.readFileSync(`${dir}/race/d/${round}-new`, "utf8")).toBe("new");
      await s.deleteObject("bkt", `race/d/${round}-new`);
      expect(fs.existsSync(`${dir}/race`)).toBe(false);
    }
  });
});
