import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { fsOps } from "../../src/runtime/fs-ops.ts";
import { lGetXattr, lSetXattr } from "../../src/runtime/xattr.ts";
import { decodeRecord, encodeRecord, type MetadataRecord } from "../../src/storage/metadata/record.ts";
import { RecordCache } from "../../src/storage/metadata/record-cache.ts";
import { createMetadataStore, XATTR_NAME } from "../../src/storage/metadata/store.ts";
import { createPosixStore } from "../../src/storage/posix-store.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const stat = (ino: number, ctimeMs: number, size = 10, dev = 1n) =>
  ({
    dev,
    ino: BigInt(ino),
    size: BigInt(size),
    ctimeNs: BigInt(ctimeMs) * 1_000_000n,
  }) as fs.BigIntStats;
const bytes = (s: string) => new TextEncoder().encode(s);

describe("record cache", () => {
  test("hits while ctime and size are unchanged, misses (and forgets) otherwise", () => {
    const cache = new RecordCache({ settleMs: 50, now: () => 10_000 });
    cache.set(stat(1, 5_000), bytes("a"));
    expect(cache.get(stat(1, 5_000))).toEqual(bytes("a"));
    expect(cache.get(stat(1, 5_000, 11))).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set(stat(1, 5_000), bytes("a"));
    expect(cache.get(stat(1, 5_001))).toBeUndefined();
    expect(cache.get(stat(2, 5_000))).toBeUndefined();
  });

  test("a ctime within the settle time is not cached (coarse timestamps)", () => {
    const cache = new RecordCache({ settleMs: 50, now: () => 10_000 });
    cache.set(stat(1, 9_960), bytes("a"));
    expect(cache.get(stat(1, 9_960))).toBeUndefined();
    cache.set(stat(1, 9_950), bytes("a"));
    expect(cache.get(stat(1, 9_950))).toEqual(bytes("a"));
  });

  test("the same inode on another device is another file", () => {
    const cache = new RecordCache({ settleMs: 50, now: () => 10_000 });
    cache.set(stat(1, 5_000, 10, 1n), bytes("a"));
    expect(cache.get(stat(1, 5_000, 10, 2n))).toBeUndefined();
    cache.set(stat(1, 5_000, 10, 2n), bytes("b"));
    expect(cache.get(stat(1, 5_000, 10, 2n))).toEqual(bytes("b"));
    expect(cache.get(stat(1, 5_000, 10, 1n))).toBeUndefined();
  });

  test("is bounded: the oldest entry goes first", () => {
    const cache = new RecordCache({ settleMs: 0, maxEntries: 2, now: () => 10_000 });
    for (const ino of [1, 2, 3]) cache.set(stat(ino, 1_000), bytes(String(ino)));
    expect(cache.size).toBe(2);
    expect(cache.get(stat(1, 1_000))).toBeUndefined();
    expect(cache.get(stat(3, 1_000))).toEqual(bytes("3"));
  });
});

describe("xattr metadata store with the cache", () => {
  async function fileWithRecord(contentType: string) {
    const dir = fs.mkdtempSync(`${os.tmpdir()}/s3dir-rcache-`);
    dirs.push(dir);
    const path = `${dir}/f`;
    fs.writeFileSync(path, "0123456789");
    const st0 = fs.lstatSync(path, { bigint: true });
    const rec = (type: string) =>
      ({
        v: 1,
        e: "etag",
        i: st0.ino.toString(),
        s: 10,
        m: st0.mtimeNs.toString(),
        h: { ct: type },
      }) as unknown as MetadataRecord;
    lSetXattr(path, XATTR_NAME, encodeRecord(rec(contentType), true));
    return { dir, path, rec };
  }

  test("a second read of an unchanged, settled file makes no getxattr", async () => {
    const { dir, path } = await fileWithRecord("text/a");
    const store = createMetadataStore("xattr", fsOps(true), () => true);
    const t = { bucketPath: dir, key: "f" };
    const st = fs.lstatSync(path, { bigint: true });
    const settled = { ...st, ctimeNs: st.ctimeNs - 1_000_000_000n } as fs.BigIntStats;
    expect((await store.readPath(path, settled, t))?.e).toBe("etag");
    // A path that does not exist: only the cache can answer.
    expect((await store.readPath(`${path}-gone`, settled, t))?.e).toBe("etag");
    // Every reader shares one decoded record, frozen through and through: a change throws and
    // cannot reach what the next reader gets.
    const a = (await store.readPath(path, settled, t))!;
    expect(await store.readPath(path, settled, t)).toBe(a);
    expect(() => {
      a.e = "changed";
    }).toThrow(TypeError);
    expect(() => {
      a.h!.ct = "text/changed";
    }).toThrow(TypeError);
    expect(await store.readPath(path, settled, t)).toEqual(
      expect.objectContaining({ e: "etag", h: { ct: "text/a" } }),
    );
  });

  test("a settled file without a record is not asked again until its ctime moves", async () => {
    const dir = fs.mkdtempSync(`${os.tmpdir()}/s3dir-rcache-`);
    dirs.push(dir);
    const path = `${dir}/plain`;
    fs.writeFileSync(path, "0123456789");
    const store = createMetadataStore("xattr", fsOps(true), () => true);
    const t = { bucketPath: dir, key: "plain" };
    const st = fs.lstatSync(path, { bigint: true });
    const settled = { ...st, ctimeNs: st.ctimeNs - 1_000_000_000n } as fs.BigIntStats;
    expect(await store.readPath(path, settled, t)).toBeUndefined();
    // A record set behind the cache's back: the same (old) stat is answered from the cache…
    lSetXattr(
      path,
      XATTR_NAME,
      encodeRecord({ v: 1, e: "etag", i: "1", s: 10, m: "1" } as MetadataRecord, true),
    );
    expect(await store.readPath(path, settled, t)).toBeUndefined();
    // …and the stat after the change (setxattr moved the ctime) reads it.
    expect((await store.readPath(path, fs.lstatSync(path, { bigint: true }), t))?.e).toBe("etag");
  });

  test("a record rewritten in place (new ctime) is read again", async () => {
    const { dir, path, rec } = await fileWithRecord("text/a");
    const store = createMetadataStore("xattr", fsOps(true), () => true);
    const t = { bucketPath: dir, key: "f" };
    const before = fs.lstatSync(path, { bigint: true });
    const settled = { ...before, ctimeNs: before.ctimeNs - 1_000_000_000n } as fs.BigIntStats;
    expect((await store.readPath(path, settled, t))?.h?.ct).toBe("text/a");
    lSetXattr(path, XATTR_NAME, encodeRecord(rec("text/b"), true));
    const after = fs.lstatSync(path, { bigint: true });
    expect(after.ctimeNs).not.toBe(settled.ctimeNs);
    expect((await store.readPath(path, after, t))?.h?.ct).toBe("text/b");
  });
});

describe("a host's cached records follow in-place changes", () => {
  test("tags and metadata rewritten on the same file are served at once", async () => {
    const root = fs.mkdtempSync(`${os.tmpdir()}/s3dir-rcache-store-`);
    dirs.push(root);
    const s = await createPosixStore({ root, fsync: false, metadataStore: "xattr" });
    await s.createBucket("bkt");
    await s.putObject({
      bucket: "bkt",
      key: "k",
      body: new Blob(["abc"]).stream(),
      attributes: { userMetadata: { a: "1" } },
      verify: {},
    });
    // Past the local settle time, so the next reads are served from the cache.
    await Bun.sleep(120);
    expect((await s.headObject("bkt", "k")).tags).toBeUndefined();
    expect((await s.headObject("bkt", "k")).userMetadata).toEqual({ a: "1" });
    await s.putObjectTagging("bkt", "k", undefined, [{ key: "t", value: "v" }]);
    expect((await s.headObject("bkt", "k")).tags).toEqual([{ key: "t", value: "v" }]);
    // A POSIX user rewriting the record by hand is seen as well (setxattr moves the ctime).
    const path = `${root}/bkt/k`;
    const rec = decodeRecord(lGetXattr(path, XATTR_NAME))!;
    lSetXattr(path, XATTR_NAME, encodeRecord({ ...rec, u: { a: "2" } }, true));
    expect((await s.headObject("bkt", "k")).userMetadata).toEqual({ a: "2" });
    await s.close?.();
  });
});
