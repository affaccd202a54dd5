import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import { createPosixStore, type PosixStore, StorageError } from "../../src/storage/index.ts";
import { code } from "../helpers/storage-error-code.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

async function makeStore(kind: "xattr" | "file", syncMetadataIo: boolean): Promise<PosixStore> {
  const root = fs.mkdtempSync(`${os.tmpdir()}/s3dir-obj-`);
  roots.push(root);
  const store = await createPosixStore({ root, fsync: false, metadataStore: kind, syncMetadataIo });
  await store.createBucket("bkt");
  return store;
}

const body = (data: string | Uint8Array) => new Blob([data as BlobPart]).stream();
const md5 = (data: string | Uint8Array) => createHash("md5").update(data).digest("hex");
const put = (s: PosixStore, key: string, data: string | Uint8Array = key, contentType?: string) =>
  s.putObject({
    bucket: "bkt",
    key,
    body: body(data),
    attributes: { userMetadata: {}, contentType },
    verify: {},
  });

async function read(
  s: PosixStore,
  key: string,
  start = 0,
  end = Number.MAX_SAFE_INTEGER,
): Promise<Uint8Array> {
  const o = await s.openObject("bkt", key);
  return new Uint8Array(await new Response(o.stream(start, Math.min(end, o.info.size - 1))).arrayBuffer());
}

const modes = [
  ["xattr", true],
  ["file", true],
  ["xattr", false],
] as const;

describe.each(modes)("objects with %s metadata, sync I/O %p", (kind, syncIo) => {
  let s: PosixStore;
  let dir: string;
  beforeAll(async () => {
    s = await makeStore(kind, syncIo);
    dir = `${s.root}/bkt`;
    expect(s.metadataStore).toBe(kind);
  });

  test("put, get, head, delete round trip with exact bytes and metadata", async () => {
    const data = crypto.getRandomValues(new Uint8Array(100_000));
    const r = await s.putObject({
      bucket: "bkt",
      key: "dir/sub/obj.bin",
      body: body(data),
      attributes: {
        userMetadata: { color: "blue", "long-name": "ü".repeat(50) },
        contentType: "application/x-test",
        cacheControl: "no-cache",
        contentDisposition: "attachment",
        contentEncoding: "gzip",
        contentLanguage: "de",
        expires: "Thu, 01 Dec 2094 16:00:00 GMT",
      },
      verify: { checksum: { algorithm: "CRC32C" } },
    });
    expect(r.etag).toBe(md5(data));
    expect(r.size).toBe(100_000);
    expect(r.checksum?.algorithm).toBe("CRC32C");
    expect(await read(s, "dir/sub/obj.bin")).toEqual(data);
    expect(await read(s, "dir/sub/obj.bin", 10, 19)).toEqual(data.subarray(10, 20));
    const h = await s.headObject("bkt", "dir/sub/obj.bin");
    expect(h).toMatchObject({
      key: "dir/sub/obj.bin",
      size: 100_000,
      etag: md5(data),
      contentType: "application/x-test",
      cacheControl: "no-cache",
      contentDisposition: "attachment",
      contentEncoding: "gzip",
      contentLanguage: "de",
      expires: "Thu, 01 Dec 2094 16:00:00 GMT",
      userMetadata: { color: "blue", "long-name": "ü".repeat(50) },
      checksum: r.checksum,
    });
    await s.deleteObject("bkt", "dir/sub/obj.bin");
    expect(await code(s.headObject("bkt", "dir/sub/obj.bin"))).toBe("NoSuchKey");
    expect(fs.existsSync(`${dir}/dir`)).toBe(false); // empty parents pruned
    await s.deleteObject("bkt", "dir/sub/obj.bin"); // idempotent
    expect(await code(s.deleteObject("nobucket", "x"))).toBe("NoSuchBucket");
    expect(await code(s.headObject("nobucket", "x"))).toBe("NoSuchBucket");
  });

  test("large object streams from the descriptor", async () => {
    const data = crypto.getRandomValues(new Uint8Array(65536)).slice();
    const big = new Uint8Array(3 * 1024 * 1024 + 17);
    for (let o = 0; o < big.length; o += data.length)
      big.set(data.subarray(0, Math.min(data.length, big.length - o)), o);
    await put(s, "big.bin", big);
    expect(await read(s, "big.bin")).toEqual(big);
    expect(await read(s, "big.bin", 1_000_000, 2_500_000)).toEqual(big.subarray(1_000_000, 2_500_001));
    const o = await s.openObject("bkt", "big.bin");
    o.close();
  });

  test("metadata records are big enough for 2 KB of user metadata", async () => {
    const userMetadata: Record<string, string> = {};
    for (let i = 0; i < 20; i++) userMetadata[`k${i}`] = "v".repeat(95);
    await s.putObject({
      bucket: "bkt",
      key: "meta",
      body: body("m"),
      attributes: { userMetadata },
      verify: {},
    });
    expect((await s.headObject("bkt", "meta")).userMetadata).toEqual(userMetadata);
    userMetadata.k0 = "v".repeat(2000);
    const tooBig = s.putObject({
      bucket: "bkt",
      key: "meta2",
      body: body("m"),
      attributes: { userMetadata },
      verify: {},
    });
    expect(await code(tooBig)).toBe("MetadataTooLarge");
  });

  test("files written through POSIX are objects", async () => {
    fs.mkdirSync(`${dir}/posix`, { recursive: true });
    fs.writeFileSync(`${dir}/posix/page.html`, "<p>hi</p>");
    fs.writeFileSync(`${dir}/posix/noext`, "raw");
    const h = await s.headObject("bkt", "posix/page.html");
    expect(h.etag).toBe(md5("<p>hi</p>"));
    expect(h.contentType).toBe("text/html");
    expect((await s.headObject("bkt", "posix/noext")).contentType).toBe("application/octet-stream");
    expect(new TextDecoder().decode(await read(s, "posix/page.html"))).toBe("<p>hi</p>");
    expect((await s.headObject("bkt", "posix/page.html")).etag).toBe(md5("<p>hi</p>"));
    fs.writeFileSync(`${dir}/posix/page.html`, "<p>changed</p>");
    expect((await s.headObject("bkt", "posix/page.html")).etag).toBe(md5("<p>changed</p>"));
    const list = await s.list({ bucket: "bkt", prefix: "posix/", delimiter: "", after: "", maxKeys: 10 });
    expect(list.objects.map((o) => [o.key, o.etag])).toEqual([
      ["posix/noext", md5("raw")],
      ["posix/page.html", md5("<p>changed</p>")],
    ]);
  });

  test("an object changed through POSIX keeps its content headers, gets a new ETag", async () => {
    await put(s, "changed.txt", "one", "text/special");
    fs.appendFileSync(`${dir}/changed.txt`, " two");
    const h = await s.headObject("bkt", "changed.txt");
    expect(h.etag).toBe(md5("one two"));
    expect(h.contentType).toBe("text/special");
    expect(h.size).toBe(7);
  });

  test("a and a/b both exist, either way round; the plain path stays with the first", async () => {
    const text = async (key: string) => new TextDecoder().decode(await read(s, key));
    await put(s, "c1");
    await put(s, "c1/x");
    await put(s, "c1/x/y");
    await put(s, "c1/", "");
    expect(await text("c1")).toBe("c1");
    expect(await text("c1/x")).toBe("c1/x");
    expect(await text("c1/x/y")).toBe("c1/x/y");
    expect(fs.statSync(`${dir}/c1`).isFile()).toBe(true);
    await put(s, "c2/x");
    await put(s, "c2");
    expect(await text("c2/x")).toBe("c2/x");
    expect(await text("c2")).toBe("c2");
    expect(fs.statSync(`${dir}/c2`).isDirectory()).toBe(true);
    fs.mkdirSync(`${dir}/c3/empty/tree`, { recursive: true });
    await put(s, "c3/empty"); // an empty unmarked leftover directory is replaced
    expect(fs.statSync(`${dir}/c3/empty`).isFile()).toBe(true);
  });

  test("invalid and reserved keys", async () => {
    for (const key of ["./a", "a/../b", "a/.", "..", "a\0b", "a\ud800b"]) {
      expect(await code(put(s, key))).toBe("InvalidKey");
      expect(await code(s.headObject("bkt", key))).toBe("NoSuchKey");
    }
    expect(await code(put(s, "k".repeat(1025)))).toBe("KeyTooLong");
    // S3 allows these; they live in the alternate area (<bucket>/.s3dir/keys).
    for (const key of ["a//b", "/a", ".s3dir/x", ".s3dir", `a/${"k".repeat(256)}`]) {
      await put(s, key);
      expect(new TextDecoder().decode(await read(s, key))).toBe(key);
    }
    await put(s, `${"k".repeat(200)}/${"é".repeat(100)}`); // 200 + 1 + 200 bytes: fine
    // A `.s3dir` in a bucket (left by an earlier version, or made by its POSIX owner) is no object.
    fs.mkdirSync(`${dir}/.s3dir/tmp`, { recursive: true });
    fs.writeFileSync(`${dir}/.s3dir/created`, "");
    expect(await code(s.headObject("bkt", ".s3dir/created"))).toBe("NoSuchKey");
    expect(await code(s.openObject("bkt", ".s3dir/tmp"))).toBe("NoSuchKey");
    await s.deleteObject("bkt", ".s3dir/created");
    expect(fs.existsSync(`${dir}/.s3dir/created`)).toBe(true);
  });

  test("symlinks are neither objects nor traversed", async () => {
    const outside = fs.mkdtempSync(`${os.tmpdir()}/s3dir-outside-`);
    roots.push(outside);
    fs.writeFileSync(`${outside}/secret`, "secret");
    fs.mkdirSync(`${dir}/ln`);
    fs.writeFileSync(`${dir}/ln/real`, "real");
    fs.symlinkSync(`${outside}/secret`, `${dir}/ln/out-file`);
    fs.symlinkSync(outside, `${dir}/ln/out-dir`);
    fs.symlinkSync(`${dir}/ln/real`, `${dir}/ln/in-file`);
    fs.symlinkSync(`${dir}/ln`, `${dir}/ln/in-dir`);
    for (const key of ["ln/out-file", "ln/out-dir/secret", "ln/in-file", "ln/in-dir/real"]) {
      expect(await code(s.headObject("bkt", key))).toBe("NoSuchKey");
      expect(await code(s.openObject("bkt", key))).toBe("NoSuchKey");
    }
    // A symlink in the way is never followed: the key goes to the alternate area instead.
    await put(s, "ln/out-dir/new");
    expect(fs.existsSync(`${outside}/new`)).toBe(false);
    expect(new TextDecoder().decode(await read(s, "ln/out-dir/new"))).toBe("ln/out-dir/new");
    await s.deleteObject("bkt", "ln/out-dir/new");
    await s.deleteObject("bkt", "ln/out-dir/secret");
    await s.deleteObject("bkt", "ln/out-file");
    expect(fs.readFileSync(`${outside}/secret`, "utf8")).toBe("secret");
    const all = await s.list({ bucket: "bkt", prefix: "ln/", delimiter: "", after: "", maxKeys: 100 });
    expect(all.objects.map((o) => o.key)).toEqual(["ln/real"]);
    const viaLink = await s.list({
      bucket: "bkt",
      prefix: "ln/out-dir/",
      delimiter: "",
      after: "",
      maxKeys: 100,
    });
    expect(viaLink.objects).toEqual([]);
  });

  test("directory objects", async () => {
    const r = await put(s, "folder/", "");
    expect(r.etag).toBe(md5(""));
    // With data, a directory key is a file of the alternate area.
    await put(s, "folder2/", "x");
    expect(fs.existsSync(`${dir}/folder2`)).toBe(false);
    expect(new TextDecoder().decode(await read(s, "folder2/"))).toBe("x");
    const h = await s.headObject("bkt", "folder/");
    expect(h).toMatchObject({ key: "folder/", size: 0, etag: md5("") });
    expect((await read(s, "folder/", 0, -1)).length).toBe(0);
    await put(s, "folder/inner");
    await s.deleteObject("bkt", "folder/inner");
    expect((await s.headObject("bkt", "folder/")).key).toBe("folder/"); // marked dirs are not pruned
    fs.mkdirSync(`${dir}/plain`);
    expect(await code(s.headObject("bkt", "plain/"))).toBe("NoSuchKey");
    await put(s, "folder"); // beside the directory object, in the alternate area
    expect(new TextDecoder().decode(await read(s, "folder"))).toBe("folder");
    await s.deleteObject("bkt", "folder");
    await s.deleteObject("bkt", "folder/");
    expect(await code(s.headObject("bkt", "folder/"))).toBe("NoSuchKey");
    expect(fs.existsSync(`${dir}/folder`)).toBe(false);
  });

  test("copy keeps or replaces attributes, also onto itself", async () => {
    await s.putObject({
      bucket: "bkt",
      key: "src.txt",
      body: body("copy me"),
      attributes: { userMetadata: { a: "1" }, contentType: "text/a" },
      verify: {},
    });
    const r = await s.copyObject({
      sourceBucket: "bkt",
      sourceKey: "src.txt",
      bucket: "bkt",
      key: "deep/dst.txt",
    });
    expect(r.etag).toBe(md5("copy me"));
    expect(await s.headObject("bkt", "deep/dst.txt")).toMatchObject({
      contentType: "text/a",
      userMetadata: { a: "1" },
    });
    await s.copyObject({
      sourceBucket: "bkt",
      sourceKey: "src.txt",
      bucket: "bkt",
      key: "src.txt",
      attributes: { userMetadata: { b: "2" }, contentType: "text/b" },
    });
    const h = await s.headObject("bkt", "src.txt");
    expect(h).toMatchObject({ contentType: "text/b", userMetadata: { b: "2" }, etag: md5("copy me") });
    expect(new TextDecoder().decode(await read(s, "src.txt"))).toBe("copy me");
    const failing = s.copyObject({
      sourceBucket: "bkt",
      sourceKey: "src.txt",
      bucket: "bkt",
      key: "never",
      sourceCheck: () => {
        throw new StorageError("PreconditionFailed");
      },
    });
    expect(await code(failing)).toBe("PreconditionFailed");
    expect(
      await code(s.copyObject({ sourceBucket: "bkt", sourceKey: "nope", bucket: "bkt", key: "x" })),
    ).toBe("NoSuchKey");
    expect(fs.readdirSync(`${s.root}/.s3dir/buckets/bkt/tmp`)).toEqual([]);
  });

  test("an open object keeps streaming the old bytes after a rename over it", async () => {
    const old = new Uint8Array(2 * 1024 * 1024).fill(1);
    await put(s, "swap.bin", old);
    const small = await put(s, "swap-small", "old small");
    const o = await s.openObject("bkt", "swap.bin");
    const os2 = await s.openObject("bkt", "swap-small");
    await put(s, "swap.bin", new Uint8Array(3 * 1024 * 1024).fill(2));
    await put(s, "swap-small", "new small!");
    expect(o.info.etag).toBe(md5(old));
    expect(new Uint8Array(await new Response(o.stream(0, o.info.size - 1)).arrayBuffer())).toEqual(old);
    expect(await new Response(os2.stream(0, os2.info.size - 1)).text()).toBe("old small");
    expect(os2.info.etag).toBe(small.etag);
    expect((await s.headObject("bkt", "swap.bin")).size).toBe(3 * 1024 * 1024);
  });
});
