import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import { lGetXattr, lSetXattr } from "../../src/runtime/xattr.ts";
import {
  createPosixStore,
  type ListedVersion,
  type ListVersionsInput,
  type PosixStore,
} from "../../src/storage/index.ts";
import { decodeRecord, encodeRecord } from "../../src/storage/metadata/record.ts";
import { XATTR_NAME } from "../../src/storage/metadata/store.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

async function makeStore(kind: "xattr" | "file"): Promise<PosixStore> {
  const root = fs.mkdtempSync(`${os.tmpdir()}/s3dir-lv-`);
  roots.push(root);
  const store = await createPosixStore({ root, fsync: false, metadataStore: kind });
  await store.createBucket("bkt");
  return store;
}

const body = (data: string) => new Blob([data]).stream();
const put = async (s: PosixStore, key: string, data: string = key) =>
  (await s.putObject({ bucket: "bkt", key, body: body(data), attributes: { userMetadata: {} }, verify: {} }))
    .versionId!;

const list = (s: PosixStore, over: Partial<ListVersionsInput> = {}) =>
  s.listObjectVersions({
    bucket: "bkt",
    prefix: "",
    delimiter: "",
    keyMarker: "",
    versionIdMarker: "",
    maxKeys: 1000,
    ...over,
  });

const brief = (v: ListedVersion) =>
  `${v.key}@${v.versionId}${v.deleteMarker ? " marker" : ""}${v.isLatest ? " latest" : ""}`;

/** Every page of size n, following the markers as a client does (pages alternate between hosts). */
async function allPages(s: PosixStore | PosixStore[], n: number, over: Partial<ListVersionsInput> = {}) {
  const hosts = Array.isArray(s) ? s : [s];
  const seen: string[] = [];
  let keyMarker = "";
  let versionIdMarker = "";
  for (let i = 0; i < 100; i++) {
    const page = await list(hosts[i % hosts.length]!, { ...over, maxKeys: n, keyMarker, versionIdMarker });
    expect(page.versions.length + page.commonPrefixes.length).toBeLessThanOrEqual(n);
    seen.push(...page.versions.map(brief), ...page.commonPrefixes.map((p) => `prefix ${p}`));
    if (!page.isTruncated) return seen;
    keyMarker = page.nextKeyMarker!;
    versionIdMarker = page.nextVersionIdMarker ?? "";
  }
  throw new Error("did not end");
}

describe.each(["xattr", "file"] as const)("listObjectVersions with %s metadata", (kind) => {
  test("an unversioned bucket lists its objects as null versions", async () => {
    const s = await makeStore(kind);
    await put(s, "b");
    await put(s, "a");
    const page = await list(s);
    expect(page.versions.map(brief)).toEqual(["a@null latest", "b@null latest"]);
    expect(page.versions[0]).toMatchObject({ size: 1, deleteMarker: false });
  });

  test("keys in byte order, versions newest first, markers included, pages resume anywhere", async () => {
    const s = await makeStore(kind);
    await put(s, "a+b", "0"); // before versioning: the null version
    await s.putBucketVersioning("bkt", "Enabled");
    const ab1 = await put(s, "a+b", "1");
    const x1 = await put(s, "a/x", "x1");
    const x2 = await put(s, "a/x", "x2");
    const gone1 = await put(s, "a0", "g");
    const del = (await s.deleteObject("bkt", "a0")).versionId!;
    const z = await put(s, "z", "z");
    const expected = [
      `a+b@${ab1} latest`,
      "a+b@null",
      `a/x@${x2} latest`,
      `a/x@${x1}`,
      `a0@${del} marker latest`,
      `a0@${gone1}`,
      `z@${z} latest`,
    ];
    const page = await list(s);
    expect(page.versions.map(brief)).toEqual(expected);
    expect(page.isTruncated).toBe(false);
    const x1Entry = page.versions.find((v) => v.versionId === x1)!;
    expect(x1Entry).toMatchObject({ size: 2, etag: createHash("md5").update("x1").digest("hex") });
    // Another host, on the async calls used for network filesystems (keys described ahead).
    const other = await createPosixStore({
      root: s.root,
      fsync: false,
      metadataStore: kind,
      syncMetadataIo: false,
    });
    expect((await list(other)).versions.map(brief)).toEqual(expected);
    for (const n of [1, 2, 3, 5]) expect(await allPages([s, other], n)).toEqual(expected);
    for (const n of [1, 2, 3, 5]) expect(await allPages(other, n)).toEqual(expected);
    await other.close();
    // Resuming after the null version of a key.
    expect((await list(s, { keyMarker: "a+b", versionIdMarker: "null" })).versions[0]?.key).toBe("a/x");
    // Any delimiter groups both trees.
    const byX = await list(s, { delimiter: "x" });
    expect(byX.commonPrefixes).toEqual(["a/x"]);
    expect(byX.versions.map((v) => v.key)).toEqual(["a+b", "a+b", "a0", "a0", "z"]);
    // Delimiter: a/ is one common prefix, counted once however many versions lie below.
    const grouped = await list(s, { delimiter: "/" });
    expect(grouped.commonPrefixes).toEqual(["a/"]);
    expect(grouped.versions.map((v) => v.key)).toEqual(["a+b", "a+b", "a0", "a0", "z"]);
    expect(await allPages(s, 1, { delimiter: "/" })).toEqual([
      `a+b@${ab1} latest`,
      "a+b@null",
      "prefix a/",
      `a0@${del} marker latest`,
      `a0@${gone1}`,
      `z@${z} latest`,
    ]);
    // Prefix, and a key marker alone (keys after it).
    expect((await list(s, { prefix: "a/" })).versions.map(brief)).toEqual([`a/x@${x2} latest`, `a/x@${x1}`]);
    expect((await list(s, { keyMarker: "a/x" })).versions.map((v) => v.key)).toEqual(["a0", "a0", "z"]);
    // A key whose only history is a marker, and a key only in the versions store.
    const page2 = await list(s, { prefix: "a0" });
    expect(page2.versions[0]).toMatchObject({ deleteMarker: true, isLatest: true, size: 0 });
  });

  test("a kept version changed through a hard link a POSIX user kept is listed as it is now", async () => {
    const s = await makeStore(kind);
    await s.putBucketVersioning("bkt", "Enabled");
    const v1 = await put(s, "k", "one");
    fs.linkSync(`${s.root}/bkt/k`, `${s.root}/bkt/alias`); // v1's inode under a second name
    await put(s, "k", "two");
    const md5 = (data: string) => createHash("md5").update(data).digest("hex");
    const kept = async () => (await list(s, { prefix: "k" })).versions.find((v) => v.versionId === v1)!;
    // Listings may remember what they read of a kept version once its inode is a second old
    // (listed-facts.ts): wait that long so that the next listings go through what they remember.
    await Bun.sleep(1100);
    expect(await kept()).toMatchObject({ size: 3, etag: md5("one") });
    expect(await kept()).toMatchObject({ size: 3, etag: md5("one") });
    fs.writeFileSync(`${s.root}/bkt/alias`, "changed!");
    expect(await kept()).toMatchObject({ size: 8, etag: md5("changed!") });
    if (kind === "xattr") {
      // Only the record changes (same size and mtime): the inode's ctime still tells.
      await Bun.sleep(1100);
      expect(await kept()).toMatchObject({ size: 8, etag: md5("changed!") });
      const rec = decodeRecord(lGetXattr(`${s.root}/bkt/alias`, XATTR_NAME))!;
      lSetXattr(`${s.root}/bkt/alias`, XATTR_NAME, encodeRecord({ ...rec, e: md5("other") }, false));
      expect(await kept()).toMatchObject({ size: 8, etag: md5("other") });
    }
  });

  test("a current file changed in place through POSIX after a listing is listed as it is now", async () => {
    const s = await makeStore(kind);
    await s.putBucketVersioning("bkt", "Enabled");
    const v1 = await put(s, "c", "one");
    const md5 = (data: string) => createHash("md5").update(data).digest("hex");
    const current = async () => (await list(s, { prefix: "c" })).versions[0]!;
    await Bun.sleep(1100); // old enough to be remembered (listed-facts.ts)
    expect(await current()).toMatchObject({ versionId: v1, size: 3, etag: md5("one"), isLatest: true });
    expect(await current()).toMatchObject({ versionId: v1, size: 3, etag: md5("one") });
    fs.writeFileSync(`${s.root}/bkt/c`, "changed!");
    const changed = await current();
    expect(changed).toMatchObject({ size: 8, etag: md5("changed!"), isLatest: true });
    expect(changed.versionId).not.toBe(v1); // derived from the file's identity
    expect(changed.versionId).toBe((await s.headObject("bkt", "c")).versionId!);
    if (kind === "xattr") {
      await Bun.sleep(1100);
      expect(await current()).toMatchObject({ versionId: changed.versionId, etag: md5("changed!") });
      const rec = decodeRecord(lGetXattr(`${s.root}/bkt/c`, XATTR_NAME))!;
      lSetXattr(`${s.root}/bkt/c`, XATTR_NAME, encodeRecord({ ...rec, e: md5("other") }, false));
      expect(await current()).toMatchObject({ versionId: changed.versionId, etag: md5("other") });
    }
  });

  test("a page ends inside a long history and the next one resumes there", async () => {
    const s = await makeStore(kind);
    await s.putBucketVersioning("bkt", "Enabled");
    for (let i = 0; i < 30; i++) await put(s, "many", String(i));
    await put(s, "first");
    const page = await list(s, { maxKeys: 2 });
    expect(page.versions.map((v) => v.key)).toEqual(["first", "many"]);
    expect(page.isTruncated).toBe(true);
    expect(page.nextKeyMarker).toBe("many");
    const rest = await list(s, {
      keyMarker: page.nextKeyMarker!,
      versionIdMarker: page.nextVersionIdMarker!,
    });
    expect(rest.versions.length).toBe(29);
    expect(rest.versions.every((v) => !v.isLatest)).toBe(true);
    const other = await createPosixStore({
      root: s.root,
      fsync: false,
      metadataStore: kind,
      syncMetadataIo: false,
    });
    expect(await allPages(other, 7)).toEqual(await allPages(s, 1000));
    await other.close();
  });
});
