import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { createPosixStore, type PosixStore } from "../../src/storage/index.ts";
import { storageFailure } from "../helpers/storage-failure.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

async function makeStore(kind: "xattr" | "file", state?: "Enabled" | "Suspended"): Promise<PosixStore> {
  const root = fs.mkdtempSync(`${os.tmpdir()}/s3dir-ver-`);
  roots.push(root);
  const store = await createPosixStore({ root, fsync: false, metadataStore: kind });
  await store.createBucket("bkt");
  if (state) await store.putBucketVersioning("bkt", state);
  return store;
}

const body = (data: string | Uint8Array) => new Blob([data as BlobPart]).stream();
const put = (s: PosixStore, key: string, data: string = key) =>
  s.putObject({ bucket: "bkt", key, body: body(data), attributes: { userMetadata: {} }, verify: {} });

async function read(s: PosixStore, key: string, versionId?: string): Promise<string> {
  const o = await s.openObject("bkt", key, undefined, versionId);
  return new Response(o.stream(0, o.info.size - 1)).text();
}

describe.each(["xattr", "file"] as const)("versioning with %s metadata", (kind) => {
  test("the state starts Unversioned and can only be enabled or suspended", async () => {
    const s = await makeStore(kind);
    expect(await s.getBucketVersioning("bkt")).toBe("Unversioned");
    await s.putBucketVersioning("bkt", "Enabled");
    expect(await s.getBucketVersioning("bkt")).toBe("Enabled");
    await s.putBucketVersioning("bkt", "Suspended");
    expect(await s.getBucketVersioning("bkt")).toBe("Suspended");
    expect((await storageFailure(s.getBucketVersioning("nope"))).code).toBe("NoSuchBucket");
  });

  test("an unversioned bucket reports no version ids", async () => {
    const s = await makeStore(kind);
    const r = await put(s, "plain");
    expect(r.versionId).toBeUndefined();
    expect((await s.headObject("bkt", "plain")).versionId).toBeUndefined();
    expect(await read(s, "plain", "null")).toBe("plain");
    expect(
      (await storageFailure(s.headObject("bkt", "plain", undefined, "0000000000000000000000000000a"))).version
        ?.reason,
    ).toBe("NoSuchVersion");
    expect(await s.deleteObject("bkt", "plain")).toEqual({});
    expect(fs.existsSync(`${s.root}/.s3dir/buckets/bkt/versions`)).toBe(false);
  });

  test("unversioned PUT, GET and DELETE look at the versioning state only through its cache", async () => {
    const s = await makeStore(kind);
    await put(s, "warm");
    const touched: string[] = [];
    const ops = s.context.ops as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const name of ["lstat", "open", "readdir", "readFile", "link"]) {
      const real = ops[name]!;
      ops[name] = (...args: unknown[]) => {
        if (typeof args[0] === "string") touched.push(args[0]);
        return real(...args);
      };
    }
    for (let i = 0; i < 10; i++) {
      await put(s, `k${i}`);
      await read(s, `k${i}`);
      await s.deleteObject("bkt", `k${i}`);
    }
    expect(touched.length).toBeGreaterThan(0);
    expect(touched.filter((p) => p.includes("/versions"))).toEqual([]);
    // At most one revalidation a second (the loop above may straddle one).
    expect(touched.filter((p) => p.endsWith("/settings/versioning")).length).toBeLessThanOrEqual(2);
  });

  test("every PUT in an Enabled bucket is a version; the path holds the newest", async () => {
    const s = await makeStore(kind, "Enabled");
    const v1 = (await put(s, "a/k", "one")).versionId!;
    const v2 = (await put(s, "a/k", "two")).versionId!;
    const v3 = (await put(s, "a/k", "three")).versionId!;
    expect(v1 < v2 && v2 < v3).toBe(true);
    expect(fs.readFileSync(`${s.root}/bkt/a/k`, "utf8")).toBe("three");
    expect(await read(s, "a/k")).toBe("three");
    expect((await s.headObject("bkt", "a/k")).versionId).toBe(v3);
    expect(await read(s, "a/k", v1)).toBe("one");
    expect(await read(s, "a/k", v2)).toBe("two");
    expect(await read(s, "a/k", v3)).toBe("three");
    const info = await s.headObject("bkt", "a/k", undefined, v1);
    expect(info).toMatchObject({ key: "a/k", size: 3, versionId: v1 });
    expect((await storageFailure(read(s, "a/k", "null"))).version?.reason).toBe("NoSuchVersion");
    const bad = await storageFailure(read(s, "a/k", "../../x"));
    expect(bad.code).toBe("InvalidRequest");
    expect(bad.version?.reason).toBe("InvalidVersionId");
  });

  test("a DELETE in an Enabled bucket makes a delete marker current; deleting it brings the version back", async () => {
    const s = await makeStore(kind, "Enabled");
    const v1 = (await put(s, "d/k", "one")).versionId!;
    const del = await s.deleteObject("bkt", "d/k");
    expect(del.deleteMarker).toBe(true);
    expect(del.versionId! > v1).toBe(true);
    expect(fs.existsSync(`${s.root}/bkt/d/k`)).toBe(false);
    expect(fs.existsSync(`${s.root}/bkt/d`)).toBe(false); // parents pruned as for any delete
    const missing = await storageFailure(s.headObject("bkt", "d/k"));
    expect(missing.code).toBe("NoSuchKey");
    expect(missing.version).toMatchObject({
      reason: "DeleteMarker",
      requested: false,
      versionId: del.versionId,
    });
    const asked = await storageFailure(s.openObject("bkt", "d/k", undefined, del.versionId));
    expect(asked.version).toMatchObject({
      reason: "DeleteMarker",
      requested: true,
      versionId: del.versionId,
    });
    expect(asked.version?.lastModified).toBeInstanceOf(Date);
    expect(await read(s, "d/k", v1)).toBe("one");
    // A second DELETE adds another marker, as in S3.
    const del2 = await s.deleteObject("bkt", "d/k");
    expect(del2.versionId! > del.versionId!).toBe(true);
    expect(await s.deleteObject("bkt", "d/k", del2.versionId)).toEqual({
      versionId: del2.versionId,
      deleteMarker: true,
    });
    expect(fs.existsSync(`${s.root}/bkt/d/k`)).toBe(false); // the newest is still a marker
    expect(await s.deleteObject("bkt", "d/k", del.versionId)).toEqual({
      versionId: del.versionId,
      deleteMarker: true,
    });
    expect(fs.readFileSync(`${s.root}/bkt/d/k`, "utf8")).toBe("one");
    expect((await s.headObject("bkt", "d/k")).versionId).toBe(v1);
    // Deleting the only version leaves nothing, not even history directories.
    expect(await s.deleteObject("bkt", "d/k", v1)).toEqual({ versionId: v1, deleteMarker: false });
    expect(fs.existsSync(`${s.root}/bkt/d`)).toBe(false);
    expect(fs.readdirSync(`${s.root}/.s3dir/buckets/bkt/versions`)).toEqual([]);
    // A well-formed id that names nothing is no error; a malformed one is.
    expect(await s.deleteObject("bkt", "d/k", v1)).toEqual({ versionId: v1 });
    expect((await storageFailure(s.deleteObject("bkt", "d/k", "bogus"))).version?.reason).toBe(
      "InvalidVersionId",
    );
  });

  test("deleting the current version by id makes the newest noncurrent one current", async () => {
    const s = await makeStore(kind, "Enabled");
    const v1 = (await put(s, "k", "one")).versionId!;
    const v2 = (await put(s, "k", "two")).versionId!;
    const v3 = (await put(s, "k", "three")).versionId!;
    expect(await s.deleteObject("bkt", "k", v3)).toEqual({ versionId: v3, deleteMarker: false });
    expect(fs.readFileSync(`${s.root}/bkt/k`, "utf8")).toBe("two");
    expect((await s.headObject("bkt", "k")).versionId).toBe(v2);
    await s.deleteObject("bkt", "k", v1); // a noncurrent one: the current stays
    expect(await read(s, "k")).toBe("two");
    expect((await storageFailure(read(s, "k", v1))).version?.reason).toBe("NoSuchVersion");
    await s.deleteObject("bkt", "k", v2);
    expect(fs.existsSync(`${s.root}/bkt/k`)).toBe(false);
    expect((await storageFailure(read(s, "k"))).version).toBeUndefined(); // plain 404: no marker
  });

  test("objects written before versioning are the null version, kept on the next PUT", async () => {
    const s = await makeStore(kind);
    await put(s, "old", "before");
    await s.putBucketVersioning("bkt", "Enabled");
    expect((await s.headObject("bkt", "old")).versionId).toBe("null");
    const v1 = (await put(s, "old", "after")).versionId!;
    expect(await read(s, "old")).toBe("after");
    expect(await read(s, "old", "null")).toBe("before");
    expect(await read(s, "old", v1)).toBe("after");
  });

  test("a Suspended bucket writes the null version, replacing the previous null version", async () => {
    const s = await makeStore(kind, "Enabled");
    const v1 = (await put(s, "k", "one")).versionId!;
    await s.putBucketVersioning("bkt", "Suspended");
    expect((await put(s, "k", "null-1")).versionId).toBe("null");
    expect(await read(s, "k", v1)).toBe("one"); // a version with an id is kept
    expect((await put(s, "k", "null-2")).versionId).toBe("null");
    expect(await read(s, "k", "null")).toBe("null-2");
    await s.putBucketVersioning("bkt", "Enabled");
    const v3 = (await put(s, "k", "three")).versionId!;
    expect(await read(s, "k", "null")).toBe("null-2"); // kept as noncurrent
    await s.putBucketVersioning("bkt", "Suspended");
    // The noncurrent null version is replaced by the new one; v3 is kept.
    expect((await put(s, "k", "null-3")).versionId).toBe("null");
    expect(await read(s, "k", "null")).toBe("null-3");
    expect(await read(s, "k", v3)).toBe("three");
    expect(await read(s, "k", v1)).toBe("one");
    const names = fs.readdirSync(`${s.root}/.s3dir/buckets/bkt/versions/k/k`).sort();
    expect(names.filter((n) => n.endsWith(".nv"))).toEqual([]);
  });

  test("a DELETE in a Suspended bucket removes the null version and makes a null marker", async () => {
    const s = await makeStore(kind, "Enabled");
    const v1 = (await put(s, "k", "one")).versionId!;
    await s.putBucketVersioning("bkt", "Suspended");
    expect(await s.deleteObject("bkt", "k")).toEqual({ versionId: "null", deleteMarker: true });
    expect(await read(s, "k", v1)).toBe("one"); // kept: it has an id
    expect((await storageFailure(read(s, "k"))).version).toMatchObject({
      reason: "DeleteMarker",
      versionId: "null",
    });
    await put(s, "k", "null-1"); // replaces the null marker
    expect(await read(s, "k")).toBe("null-1");
    expect(await s.deleteObject("bkt", "k")).toEqual({ versionId: "null", deleteMarker: true });
    expect((await storageFailure(read(s, "k", "null"))).version).toMatchObject({
      reason: "DeleteMarker",
      requested: true,
    });
    expect(await s.deleteObject("bkt", "k", "null")).toEqual({ versionId: "null", deleteMarker: true });
    expect(await read(s, "k")).toBe("one"); // the marker was the newest: v1 is current again
  });
});
