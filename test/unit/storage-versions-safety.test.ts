import { afterAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import {
  createPosixStore,
  type EncryptionRequest,
  type PausePoint,
  type PosixStore,
  type ReadKeys,
} from "../../src/storage/index.ts";
import { storageFailure } from "../helpers/storage-failure.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

async function makeStore(
  kind: "xattr" | "file",
  pause?: (point: PausePoint) => Promise<void>,
): Promise<PosixStore> {
  const root = fs.mkdtempSync(`${os.tmpdir()}/s3dir-vs-`);
  roots.push(root);
  const store = await createPosixStore({ root, fsync: true, metadataStore: kind, pause });
  await store.createBucket("bkt");
  await store.putBucketVersioning("bkt", "Enabled");
  return store;
}

const body = (data: string | Uint8Array) => new Blob([data as BlobPart]).stream();
const put = async (
  s: PosixStore,
  key: string,
  data: string | Uint8Array = key,
  extra: { encryption?: EncryptionRequest; userMetadata?: Record<string, string>; disposition?: string } = {},
) =>
  s.putObject({
    bucket: "bkt",
    key,
    body: body(data),
    attributes: { userMetadata: extra.userMetadata ?? {}, contentDisposition: extra.disposition },
    verify: {},
    encryption: extra.encryption,
  });

async function read(s: PosixStore, key: string, versionId?: string, keys?: ReadKeys): Promise<string> {
  const o = await s.openObject("bkt", key, keys, versionId);
  const b = o.prepare ? await o.prepare(0, o.info.size - 1) : o.stream(0, o.info.size - 1);
  return new Response(b).text();
}

const versions = async (s: PosixStore, prefix = "") =>
  (
    await s.listObjectVersions({
      bucket: "bkt",
      prefix,
      delimiter: "",
      keyMarker: "",
      versionIdMarker: "",
      maxKeys: 1000,
    })
  ).versions;

describe.each(["xattr", "file"] as const)("versioned writes with %s metadata", (kind) => {
  test("two writers racing on one key (two hosts): both versions kept, one current", async () => {
    const s = await makeStore(kind);
    const other = await createPosixStore({ root: s.root, fsync: true, metadataStore: kind });
    const v0 = (await put(s, "race", "zero")).versionId!;
    for (let round = 0; round < 5; round++) {
      const [a, b] = await Promise.all([put(s, "race", `a${round}`), put(other, "race", `b${round}`)]);
      expect(a.versionId).not.toBe(b.versionId);
    }
    const all = await versions(s, "race");
    expect(all.length).toBe(11);
    expect(all.filter((v) => v.isLatest).length).toBe(1);
    const ids = all.map((v) => v.versionId);
    expect([...ids].sort().reverse()).toEqual(ids); // newest first, by id
    expect(ids.at(-1)).toBe(v0);
    const current = fs.readFileSync(`${s.root}/bkt/race`, "utf8");
    expect(await read(s, "race", all[0]!.versionId)).toBe(current);
    const bodies = await Promise.all(ids.map((id) => read(s, "race", id)));
    expect(new Set(bodies).size).toBe(11);
    await other.close();
  });

  test("a crash between link and rename loses neither version and leaves no phantom", async () => {
    let crash = false;
    const s = await makeStore(kind, async (point) => {
      if (point === "version-kept" && crash) throw new Error("host died");
    });
    const v1 = (await put(s, "k", "one")).versionId!;
    crash = true;
    await expect(put(s, "k", "two")).rejects.toThrow("host died");
    crash = false;
    // The current file was linked into the store under its own id: still the current version.
    const dir = `${s.root}/.s3dir/buckets/bkt/versions/k/k`;
    expect(fs.readdirSync(dir)).toEqual([`${v1}.v`]);
    expect(await read(s, "k")).toBe("one");
    expect((await versions(s)).map((v) => [v.versionId, v.isLatest])).toEqual([[v1, true]]);
    expect(await read(s, "k", v1)).toBe("one");
    // The next write goes on from there.
    const v2 = (await put(s, "k", "two")).versionId!;
    expect((await versions(s)).map((v) => v.versionId)).toEqual([v2, v1]);
    expect(await read(s, "k", v1)).toBe("one");
    // Deleting the current version by id, with such a leftover, restores the right one.
    crash = true;
    await expect(put(s, "k", "three")).rejects.toThrow("host died");
    crash = false;
    await s.deleteObject("bkt", "k", v2);
    expect(await read(s, "k")).toBe("one");
    expect((await versions(s)).map((v) => v.versionId)).toEqual([v1]);
    expect(fs.readdirSync(`${s.root}/.s3dir/buckets/bkt/tmp`)).toEqual([]);
  });

  test("conditional writes check the current version", async () => {
    const s = await makeStore(kind);
    const first = await s.putObject({
      bucket: "bkt",
      key: "c",
      body: body("one"),
      attributes: { userMetadata: {} },
      verify: {},
      conditions: { ifNoneMatch: "*" },
    });
    const again = (conditions: { ifNoneMatch?: "*"; ifMatch?: string }, data = "x") =>
      s.putObject({
        bucket: "bkt",
        key: "c",
        body: body(data),
        attributes: { userMetadata: {} },
        verify: {},
        conditions,
      });
    expect((await storageFailure(again({ ifNoneMatch: "*" }))).code).toBe("PreconditionFailed");
    expect((await storageFailure(again({ ifMatch: "0123" }))).code).toBe("PreconditionFailed");
    const second = await again({ ifMatch: first.etag }, "two");
    expect(await read(s, "c", first.versionId)).toBe("one");
    expect(await read(s, "c")).toBe("two");
    await s.deleteObject("bkt", "c");
    expect((await storageFailure(again({ ifMatch: second.etag }))).code).toBe("NoSuchKey");
    expect((await again({ ifNoneMatch: "*" }, "three")).versionId).toBeDefined();
    expect(fs.readdirSync(`${s.root}/.s3dir/buckets/bkt/tmp`)).toEqual([]);
  });

  test("copies make versions and read a given source version", async () => {
    const s = await makeStore(kind);
    const v1 = (await put(s, "src", "one")).versionId!;
    const v2 = (await put(s, "src", "two")).versionId!;
    const copied = await s.copyObject({
      sourceBucket: "bkt",
      sourceKey: "src",
      sourceVersionId: v1,
      bucket: "bkt",
      key: "dst",
    });
    expect(copied.sourceVersionId).toBe(v1);
    expect(copied.versionId! > v2).toBe(true);
    expect(await read(s, "dst")).toBe("one");
    const marker = (await s.deleteObject("bkt", "src")).versionId!;
    const fromMarker = await storageFailure(
      s.copyObject({
        sourceBucket: "bkt",
        sourceKey: "src",
        sourceVersionId: marker,
        bucket: "bkt",
        key: "x",
      }),
    );
    expect(fromMarker.version).toMatchObject({ reason: "DeleteMarker", requested: true });
    const fromDeleted = await storageFailure(
      s.copyObject({ sourceBucket: "bkt", sourceKey: "src", bucket: "bkt", key: "x" }),
    );
    expect(fromDeleted.version).toMatchObject({
      reason: "DeleteMarker",
      requested: false,
      versionId: marker,
    });
  });

  test("multipart Complete publishes a version; the replaced one stays readable", async () => {
    const s = await makeStore(kind);
    const v1 = (await put(s, "mp", "small")).versionId!;
    const part = new Uint8Array(5 * 1024 * 1024).fill(7);
    const { uploadId } = await s.multipart.create({
      bucket: "bkt",
      key: "mp",
      attributes: { userMetadata: {} },
    });
    const parts = [];
    for (const n of [1, 2]) {
      const p = await s.multipart.uploadPart({
        bucket: "bkt",
        key: "mp",
        uploadId,
        partNumber: n,
        body: body(n === 1 ? part : "tail"),
        verify: {},
      });
      parts.push({ partNumber: n, etag: p.etag, checksums: {} });
    }
    const done = await s.multipart.complete({ bucket: "bkt", key: "mp", uploadId, parts });
    expect(done.versionId! > v1).toBe(true);
    expect(done.partsCount).toBe(2);
    const info = await s.headObject("bkt", "mp");
    expect(info).toMatchObject({ size: part.length + 4, versionId: done.versionId, partsCount: 2 });
    expect(await read(s, "mp", v1)).toBe("small");
  });

  test("encrypted versions stay readable with their keys once noncurrent", async () => {
    const s = await makeStore(kind);
    const customerKey = new Uint8Array(randomBytes(32));
    const v1 = (await put(s, "enc", "sse-s3 bytes", { encryption: { mode: "S3" } })).versionId!;
    const v2 = (await put(s, "enc", "sse-c bytes", { encryption: { mode: "C", customerKey } })).versionId!;
    await put(s, "enc", "plain now");
    expect(await read(s, "enc", v1)).toBe("sse-s3 bytes");
    expect(await read(s, "enc", v2, { customerKey })).toBe("sse-c bytes");
    expect((await s.headObject("bkt", "enc", { customerKey }, v2)).encryption?.m).toBe("C");
    const wrong = await storageFailure(read(s, "enc", v2, { customerKey: new Uint8Array(randomBytes(32)) }));
    expect(wrong.code).toBe("SseKeyMismatch");
    // Restored to current by deleting the newer versions, it still reads.
    const all = await versions(s, "enc");
    await s.deleteObject("bkt", "enc", all[0]!.versionId);
    expect(await read(s, "enc", undefined, { customerKey })).toBe("sse-c bytes");
    await s.deleteObject("bkt", "enc", v2);
    expect(await read(s, "enc")).toBe("sse-s3 bytes");
  });

  test("a record too large for an xattr travels with its version", async () => {
    const s = await makeStore(kind);
    const big = { note: "m".repeat(1900) };
    const disposition = `attachment; filename="${"d".repeat(2500)}"`;
    const v1 = (await put(s, "meta", "one", { userMetadata: big, disposition })).versionId!;
    await put(s, "meta", "two", { userMetadata: { small: "1" } });
    await put(s, "meta", "three");
    expect((await s.headObject("bkt", "meta", undefined, v1)).userMetadata).toEqual(big);
    expect((await s.headObject("bkt", "meta", undefined, v1)).contentDisposition).toBe(disposition);
    expect((await versions(s, "meta")).at(-1)).toMatchObject({ versionId: v1, size: 3 });
    await s.deleteObject("bkt", "meta", (await versions(s, "meta"))[0]!.versionId);
    await s.deleteObject("bkt", "meta", (await versions(s, "meta"))[0]!.versionId);
    expect((await s.headObject("bkt", "meta")).userMetadata).toEqual(big);
  });

  test("DeleteBucket refuses while any version or marker remains", async () => {
    const s = await makeStore(kind);
    const v1 = (await put(s, "a/b", "one")).versionId!;
    const marker = (await s.deleteObject("bkt", "a/b")).versionId!;
    expect(fs.readdirSync(`${s.root}/bkt`)).toEqual([]);
    expect((await storageFailure(s.deleteBucket("bkt"))).code).toBe("BucketNotEmpty");
    await s.deleteObject("bkt", "a/b", v1);
    expect((await storageFailure(s.deleteBucket("bkt"))).code).toBe("BucketNotEmpty");
    await s.deleteObject("bkt", "a/b", marker);
    await s.deleteBucket("bkt");
    expect(fs.existsSync(`${s.root}/.s3dir/buckets/bkt`)).toBe(false);
    // A bucket made again under that name starts unversioned.
    await s.createBucket("bkt");
    expect(await s.getBucketVersioning("bkt")).toBe("Unversioned");
    expect((await put(s, "x")).versionId).toBeUndefined();
  });
});

describe.each(["xattr", "file"] as const)("versioned buckets and POSIX, %s metadata", (kind) => {
  test("a file changed behind the server's back is the current version under a derived id", async () => {
    const s = await makeStore(kind);
    const v1 = (await put(s, "p", "one")).versionId!;
    const v2 = (await put(s, "p", "two")).versionId!;
    fs.writeFileSync(`${s.root}/bkt/p`, "changed through POSIX");
    // File timestamps come from a coarser clock than ids: make the change plainly later.
    const later = new Date(Date.now() + 10_000);
    fs.utimesSync(`${s.root}/bkt/p`, later, later);
    const info = await s.headObject("bkt", "p");
    const derived = info.versionId!;
    expect(info.versionId).not.toBe(v2);
    expect(info.versionId! > v2).toBe(true); // a derived id carries the file's mtime
    expect((await s.headObject("bkt", "p")).versionId).toBe(info.versionId); // stable
    // v2's bytes were overwritten in place: the server never saw them change, so no history
    // is invented and v2 is gone.
    expect((await storageFailure(read(s, "p", v2))).version?.reason).toBe("NoSuchVersion");
    expect((await versions(s, "p")).map((v) => v.versionId)).toEqual([derived, v1]);
    // The next S3 write keeps it like any other version.
    const v3 = (await put(s, "p", "three")).versionId!;
    expect(await read(s, "p", info.versionId)).toBe("changed through POSIX");
    expect((await versions(s, "p")).map((v) => v.versionId)).toEqual([v3, derived, v1]);
  });

  test("a file added through POSIX gets a derived id that its first ETag keeps", async () => {
    const s = await makeStore(kind);
    fs.writeFileSync(`${s.root}/bkt/cp`, "copied in");
    const listed = (await versions(s, "cp"))[0]!;
    expect(listed.versionId).not.toBe("null");
    expect(listed.isLatest).toBe(true);
    expect((await s.headObject("bkt", "cp")).versionId).toBe(listed.versionId);
    expect(await read(s, "cp", listed.versionId)).toBe("copied in");
  });

  test("rm through POSIX removes the current version without a marker", async () => {
    const s = await makeStore(kind);
    const v1 = (await put(s, "r", "one")).versionId!;
    await put(s, "r", "two");
    fs.rmSync(`${s.root}/bkt/r`);
    const missing = await storageFailure(read(s, "r"));
    expect(missing.code).toBe("NoSuchKey");
    expect(missing.version).toBeUndefined();
    const listed = await versions(s, "r");
    expect(listed.map((v) => [v.versionId, v.isLatest])).toEqual([[v1, false]]);
    expect(await read(s, "r", v1)).toBe("one");
    const v3 = (await put(s, "r", "three")).versionId!;
    expect((await versions(s, "r")).map((v) => v.versionId)).toEqual([v3, v1]);
  });
});
