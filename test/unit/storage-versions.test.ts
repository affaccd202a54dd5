import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { createPosixStore, type PosixStore, StorageError } from "../../src/storage/index.ts";

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

async function failure(p: Promise<unknown>): Promise<StorageError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StorageError) return e;
    throw e;
  }
  throw new Error("expected a StorageError");
}

describe.each(["xattr", "file"] as const)("versioning with %s metadata", (kind) => {
  test("the state starts Unversioned and can only be enabled or suspended", async () => {
    const s = await makeStore(kind);
    expect(await s.getBucketVersioning("bkt")).toBe("Unversioned");
    await s.putBucketVersioning("bkt", "Enabled");
    expect(await s.getBucketVersioning("bkt")).toBe("Enabled");
    await s.putBucketVersioning("bkt", "Suspended");
    expect(await s.getBucketVersioning("bkt")).toBe("Suspended");
    expect((await failure(s.getBucketVersioning("nope"))).code).toBe("NoSuchBucket");
  });

  test("an unversioned bucket reports no version ids", async () => {
    const s = await makeStore(kind);
    const r = await put(s, "plain");
    expect(r.versionId).toBeUndefined();
    expect((await s.headObject("bkt", "plain")).versionId).toBeUndefined();
    expect(await read(s, "plain", "null")).toBe("plain");
    expect(
      (await failure(s.headObject("bkt", "plain", undefined, "0000000000000000000000000000a"))).version
        ?.reason,
    ).toBe("NoSuchVersion");
    expect(await s.deleteObject("bkt", "plain")).toEqual({});
    expect(fs.existsSync(`${s.root}/.s3dir/buckets/bkt/versions`)).toBe(false);
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
    expect((await failure(read(s, "a/k", "null"))).version?.reason).toBe("NoSuchVersion");
    const bad = await failure(read(s, "a/k", "../../x"));
    expect(bad.code).toBe("InvalidRequest");
    expect(bad.version?.reason).toBe("InvalidVersionId");
  });
});
