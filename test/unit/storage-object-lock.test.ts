import { afterAll, afterEach, describe, expect, setSystemTime, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { FS_IMMUTABLE_FL, getInodeFlags } from "../../src/runtime/inode-flags.ts";
import { createPosixStore, type PosixStore, type Retention } from "../../src/storage/index.ts";
import { storageFailure } from "../helpers/storage-failure.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) {
    Bun.spawnSync(["chattr", "-R", "-i", r], { stderr: "ignore" });
    fs.rmSync(r, { recursive: true, force: true });
  }
});
afterEach(() => setSystemTime());

const DAY = 86_400_000;
const body = (data: string) => new Blob([data]).stream();

async function makeStore(kind: "xattr" | "file", lock = true): Promise<PosixStore> {
  const root = fs.mkdtempSync(`${os.tmpdir()}/s3dir-lock-`);
  roots.push(root);
  const store = await createPosixStore({ root, fsync: false, metadataStore: kind });
  await store.createBucket("bkt", { objectLock: lock });
  return store;
}

const put = (
  s: PosixStore,
  key: string,
  data: string,
  lock?: { retention?: Retention; legalHold?: boolean },
) =>
  s.putObject({ bucket: "bkt", key, body: body(data), attributes: { userMetadata: {} }, verify: {}, lock });

async function read(s: PosixStore, key: string, versionId?: string): Promise<string> {
  const o = await s.openObject("bkt", key, undefined, versionId);
  return new Response(o.stream(0, o.info.size - 1)).text();
}

const inDays = (n: number, mode: Retention["mode"] = "GOVERNANCE"): Retention => ({
  mode,
  until: new Date(Date.now() + n * DAY),
});

function immutable(path: string): boolean {
  const fd = fs.openSync(path, "r");
  try {
    return (getInodeFlags(fd) & FS_IMMUTABLE_FL) !== 0;
  } finally {
    fs.closeSync(fd);
  }
}

describe("object lock configuration", () => {
  test("a bucket created with object lock is versioned, cannot be suspended, and has no default retention", async () => {
    const s = await makeStore("xattr");
    expect(await s.getBucketVersioning("bkt")).toBe("Enabled");
    expect(await s.getObjectLockConfiguration("bkt")).toEqual({});
    const e = await storageFailure(s.putBucketVersioning("bkt", "Suspended"));
    expect(e.lock?.reason).toBe("InvalidBucketState");
    await s.putBucketVersioning("bkt", "Enabled");
  });

  test("default retention in days or years; invalid periods are refused", async () => {
    const s = await makeStore("xattr");
    await s.putObjectLockConfiguration("bkt", { defaultRetention: { mode: "COMPLIANCE", years: 1 } });
    expect(await s.getObjectLockConfiguration("bkt")).toEqual({
      defaultRetention: { mode: "COMPLIANCE", years: 1 },
    });
    await s.putObjectLockConfiguration("bkt", { defaultRetention: { mode: "GOVERNANCE", days: 3 } });
    expect(await s.getObjectLockConfiguration("bkt")).toEqual({
      defaultRetention: { mode: "GOVERNANCE", days: 3 },
    });
    for (const bad of [
      { days: 0 },
      { years: -1 },
      { days: 1, years: 1 },
      {},
      { years: 101 },
      { days: 1.5 },
    ]) {
      const e = await storageFailure(
        s.putObjectLockConfiguration("bkt", { defaultRetention: { mode: "GOVERNANCE", ...bad } }),
      );
      expect(e.lock?.reason).toBe("InvalidRetentionPeriod");
    }
    await s.putObjectLockConfiguration("bkt", {});
    expect(await s.getObjectLockConfiguration("bkt")).toEqual({});
  });

  test("a bucket without object lock: no configuration; enabling needs versioning Enabled", async () => {
    const s = await makeStore("xattr", false);
    expect((await storageFailure(s.getObjectLockConfiguration("bkt"))).lock?.reason).toBe(
      "ObjectLockConfigurationNotFoundError",
    );
    expect((await storageFailure(s.putObjectLockConfiguration("bkt", {}))).lock?.reason).toBe(
      "InvalidBucketState",
    );
    expect((await storageFailure(s.getObjectLockConfiguration("nope"))).code).toBe("NoSuchBucket");
    const v = (await put(s, "k", "before")).versionId;
    expect(v).toBeUndefined();
    // Retention and legal hold need object lock.
    for (const p of [
      put(s, "k2", "x", { legalHold: true }),
      s.getObjectLock("bkt", "k"),
      s.putObjectRetention({ bucket: "bkt", key: "k", retention: inDays(1), bypassGovernance: false }),
      s.putObjectLegalHold({ bucket: "bkt", key: "k", legalHold: true }),
    ]) {
      const e = await storageFailure(p);
      expect(e.code).toBe("InvalidRequest");
      expect(e.lock?.reason).toBe("MissingLockConfiguration");
    }
    expect(fs.existsSync(`${s.root}/bkt/k2`)).toBe(false);
    await s.putBucketVersioning("bkt", "Enabled");
    await s.putObjectLockConfiguration("bkt", { defaultRetention: { mode: "GOVERNANCE", days: 1 } });
    const r = await put(s, "k", "after");
    expect(r.lock?.retention?.mode).toBe("GOVERNANCE");
  });
});

describe.each(["xattr", "file"] as const)("object versions under lock, %s metadata", (kind) => {
  test("retention and legal hold set at write are in the version's record", async () => {
    const s = await makeStore(kind);
    const retention = inDays(2, "COMPLIANCE");
    const r = await put(s, "a/k", "one", { retention, legalHold: true });
    expect(r.lock).toEqual({ retention, legalHold: true });
    expect((await s.headObject("bkt", "a/k")).lock).toEqual({ retention, legalHold: true });
    expect(await s.getObjectLock("bkt", "a/k")).toEqual({
      versionId: r.versionId!,
      lock: { retention, legalHold: true },
    });
    const plain = await put(s, "b", "two");
    expect(plain.lock).toBeUndefined();
    expect(await s.getObjectLock("bkt", "b")).toEqual({ versionId: plain.versionId! });
    const past = await storageFailure(
      put(s, "c", "x", { retention: { mode: "GOVERNANCE", until: new Date(Date.now() - 1000) } }),
    );
    expect(past.lock?.reason).toBe("PastRetainDate");
    expect(fs.existsSync(`${s.root}/bkt/c`)).toBe(false);
  });

  test("the bucket's default retention applies to versions written without one", async () => {
    const s = await makeStore(kind);
    await s.putObjectLockConfiguration("bkt", { defaultRetention: { mode: "COMPLIANCE", days: 2 } });
    setSystemTime(new Date("2030-01-01T00:00:00Z"));
    const r = await put(s, "k", "x");
    expect(r.lock?.retention).toEqual({ mode: "COMPLIANCE", until: new Date("2030-01-03T00:00:00Z") });
    // An explicit retention wins over the default.
    const g = await put(s, "k", "y", {
      retention: { mode: "GOVERNANCE", until: new Date("2030-02-01T00:00:00Z") },
    });
    expect(g.lock?.retention?.mode).toBe("GOVERNANCE");
    await s.putObjectLockConfiguration("bkt", { defaultRetention: { mode: "GOVERNANCE", years: 1 } });
    expect((await put(s, "k", "z")).lock?.retention?.until).toEqual(new Date("2031-01-01T00:00:00Z"));
  });

  test("COMPLIANCE retention can only be lengthened, bypass or not", async () => {
    const s = await makeStore(kind);
    const v = (await put(s, "k", "x", { retention: inDays(2, "COMPLIANCE") })).versionId!;
    const longer = inDays(5, "COMPLIANCE");
    expect(
      (
        await s.putObjectRetention({
          bucket: "bkt",
          key: "k",
          versionId: v,
          retention: longer,
          bypassGovernance: false,
        })
      ).lock,
    ).toEqual({
      retention: longer,
    });
    for (const retention of [inDays(1, "COMPLIANCE"), inDays(10, "GOVERNANCE"), undefined]) {
      for (const bypassGovernance of [false, true]) {
        const e = await storageFailure(
          s.putObjectRetention({ bucket: "bkt", key: "k", retention, bypassGovernance }),
        );
        expect(e.code).toBe("AccessDenied");
        expect(e.lock?.reason).toBe("ObjectLocked");
      }
    }
    expect((await s.getObjectLock("bkt", "k", v)).lock?.retention).toEqual(longer);
  });

  test("GOVERNANCE retention: lengthened by anyone, shortened, removed or made COMPLIANCE only with bypass", async () => {
    const s = await makeStore(kind);
    const v = (await put(s, "k", "x", { retention: inDays(2) })).versionId!;
    const set = (retention: Retention | undefined, bypassGovernance: boolean) =>
      s.putObjectRetention({ bucket: "bkt", key: "k", versionId: v, retention, bypassGovernance });
    await set(inDays(3), false);
    for (const r of [inDays(1), undefined, inDays(4, "COMPLIANCE")]) {
      expect((await storageFailure(set(r, false))).lock?.reason).toBe("ObjectLocked");
    }
    await set(inDays(1), true);
    expect((await s.getObjectLock("bkt", "k")).lock?.retention?.until.getTime()).toBeLessThan(
      Date.now() + 2 * DAY,
    );
    expect((await set(undefined, true)).lock).toBeUndefined();
    expect((await s.getObjectLock("bkt", "k")).lock).toBeUndefined();
    expect(
      (await storageFailure(set({ mode: "GOVERNANCE", until: new Date(Date.now() - 1) }, true))).lock?.reason,
    ).toBe("PastRetainDate");
    await set(inDays(1, "COMPLIANCE"), false); // no active retention: anything goes
  });

  test("legal hold ON and OFF; retention and legal hold of a noncurrent version", async () => {
    const s = await makeStore(kind);
    const v1 = (await put(s, "k", "one")).versionId!;
    const v2 = (await put(s, "k", "two")).versionId!;
    expect(
      (await s.putObjectLegalHold({ bucket: "bkt", key: "k", versionId: v1, legalHold: true })).lock,
    ).toEqual({
      legalHold: true,
    });
    expect((await s.headObject("bkt", "k", undefined, v1)).lock).toEqual({ legalHold: true });
    expect((await s.headObject("bkt", "k")).lock).toBeUndefined();
    expect(
      (await storageFailure(s.deleteObject("bkt", "k", v1, { bypassGovernance: true }))).lock?.reason,
    ).toBe("ObjectLocked");
    await s.putObjectRetention({
      bucket: "bkt",
      key: "k",
      versionId: v1,
      retention: inDays(1),
      bypassGovernance: false,
    });
    await s.putObjectLegalHold({ bucket: "bkt", key: "k", versionId: v1, legalHold: false });
    expect((await s.getObjectLock("bkt", "k", v1)).lock?.legalHold).toBe(false);
    expect((await storageFailure(s.deleteObject("bkt", "k", v1))).lock?.reason).toBe("ObjectLocked");
    expect(await s.deleteObject("bkt", "k", v1, { bypassGovernance: true })).toEqual({
      versionId: v1,
      deleteMarker: false,
    });
    expect(await read(s, "k", v2)).toBe("two");
    const marker = await s.deleteObject("bkt", "k");
    const e = await storageFailure(
      s.putObjectLegalHold({ bucket: "bkt", key: "k", versionId: marker.versionId, legalHold: true }),
    );
    expect(e.version?.reason).toBe("DeleteMarker");
    expect((await storageFailure(s.getObjectLock("bkt", "k"))).version?.reason).toBe("DeleteMarker");
    const none = await storageFailure(s.getObjectLock("bkt", "k", "0000000000000000000000000000a"));
    expect(none.version?.reason).toBe("NoSuchVersion");
  });

  test("a locked version cannot be deleted by id; a delete marker can be added; GOVERNANCE yields to bypass", async () => {
    const s = await makeStore(kind);
    const c = (await put(s, "c", "compliance", { retention: inDays(1, "COMPLIANCE") })).versionId!;
    const g = (await put(s, "g", "governance", { retention: inDays(1) })).versionId!;
    for (const bypassGovernance of [false, true]) {
      const e = await storageFailure(s.deleteObject("bkt", "c", c, { bypassGovernance }));
      expect(e.code).toBe("AccessDenied");
      expect(e.lock?.reason).toBe("ObjectLocked");
    }
    expect((await storageFailure(s.deleteObject("bkt", "g", g))).lock?.reason).toBe("ObjectLocked");
    expect(await read(s, "c")).toBe("compliance");
    // A delete without version id makes a marker; the locked version stays, and stays locked.
    const m = await s.deleteObject("bkt", "c");
    expect(m.deleteMarker).toBe(true);
    expect(fs.existsSync(`${s.root}/bkt/c`)).toBe(false);
    expect(await read(s, "c", c)).toBe("compliance");
    expect(
      (await storageFailure(s.deleteObject("bkt", "c", c, { bypassGovernance: true }))).lock?.reason,
    ).toBe("ObjectLocked");
    // Removing the marker brings the locked version back to its path, protected again.
    await s.deleteObject("bkt", "c", m.versionId);
    expect(await read(s, "c")).toBe("compliance");
    expect(fs.statSync(`${s.root}/bkt/c`).mode & 0o777).toBe(0o444);
    expect(immutable(`${s.root}/bkt/c`)).toBe(true);
    expect((await storageFailure(s.deleteObject("bkt", "c", c))).lock?.reason).toBe("ObjectLocked");
    // A newer version over a locked one: the locked one is kept, still locked.
    const g2 = (await put(s, "g", "newer")).versionId!;
    expect(await read(s, "g")).toBe("newer");
    expect(immutable(`${s.root}/bkt/g`)).toBe(false);
    expect((await storageFailure(s.deleteObject("bkt", "g", g))).lock?.reason).toBe("ObjectLocked");
    expect(await s.deleteObject("bkt", "g", g, { bypassGovernance: true })).toEqual({
      versionId: g,
      deleteMarker: false,
    });
    expect(await s.deleteObject("bkt", "g", g2)).toEqual({ versionId: g2, deleteMarker: false });
    expect(fs.existsSync(`${s.root}/bkt/g`)).toBe(false);
  });

  test("once its retention date has passed, a version can be deleted (the current one too)", async () => {
    const s = await makeStore(kind);
    setSystemTime(new Date("2030-01-01T00:00:00Z"));
    const v = (
      await put(s, "k", "x", { retention: { mode: "COMPLIANCE", until: new Date("2030-01-02T00:00:00Z") } })
    ).versionId!;
    expect((await storageFailure(s.deleteObject("bkt", "k", v))).lock?.reason).toBe("ObjectLocked");
    setSystemTime(new Date("2030-01-02T00:00:01Z"));
    expect(await s.deleteObject("bkt", "k", v)).toEqual({ versionId: v, deleteMarker: false });
    expect(fs.existsSync(`${s.root}/bkt/k`)).toBe(false);
    expect(
      (
        await s.listObjectVersions({
          bucket: "bkt",
          prefix: "",
          delimiter: "",
          keyMarker: "",
          versionIdMarker: "",
          maxKeys: 10,
        })
      ).versions,
    ).toEqual([]);
  });
});

describe("object lock asked by copies and multipart uploads", () => {
  test("CopyObject takes the lock asked for (or the default), never the source's", async () => {
    const s = await makeStore("xattr");
    const retention = inDays(1, "COMPLIANCE");
    await put(s, "src", "bytes", { retention, legalHold: true });
    const plain = await s.copyObject({ sourceBucket: "bkt", sourceKey: "src", bucket: "bkt", key: "copy" });
    expect(plain.lock).toBeUndefined();
    expect((await s.headObject("bkt", "copy")).lock).toBeUndefined();
    const held = await s.copyObject({
      sourceBucket: "bkt",
      sourceKey: "src",
      bucket: "bkt",
      key: "held",
      lock: { legalHold: true },
    });
    expect(held.lock).toEqual({ legalHold: true });
    expect((await storageFailure(s.deleteObject("bkt", "held", held.versionId))).lock?.reason).toBe(
      "ObjectLocked",
    );
    const other = await makeStore("xattr", false);
    await other.putObject({
      bucket: "bkt",
      key: "x",
      body: body("x"),
      attributes: { userMetadata: {} },
      verify: {},
    });
    const e = await storageFailure(
      other.copyObject({
        sourceBucket: "bkt",
        sourceKey: "x",
        bucket: "bkt",
        key: "y",
        lock: { legalHold: true },
      }),
    );
    expect(e.lock?.reason).toBe("MissingLockConfiguration");
  });

  test("a multipart upload keeps the lock asked at creation and applies it at completion", async () => {
    const s = await makeStore("file");
    const retention = inDays(3);
    const upload = await s.multipart.create({
      bucket: "bkt",
      key: "mp",
      attributes: { userMetadata: {} },
      lock: { retention, legalHold: true },
    });
    expect(upload.lock).toEqual({ retention, legalHold: true });
    expect((await s.multipart.describe("bkt", "mp", upload.uploadId)).lock).toEqual({
      retention,
      legalHold: true,
    });
    const part = await s.multipart.uploadPart({
      bucket: "bkt",
      key: "mp",
      uploadId: upload.uploadId,
      partNumber: 1,
      body: body("part"),
      verify: {},
    });
    const done = await s.multipart.complete({
      bucket: "bkt",
      key: "mp",
      uploadId: upload.uploadId,
      parts: [{ partNumber: 1, etag: part.etag, checksums: {} }],
    });
    expect((await s.getObjectLock("bkt", "mp", done.versionId)).lock).toEqual({ retention, legalHold: true });
    expect(
      (await storageFailure(s.deleteObject("bkt", "mp", done.versionId, { bypassGovernance: true }))).lock
        ?.reason,
    ).toBe("ObjectLocked");
    const past = await storageFailure(
      s.multipart.create({
        bucket: "bkt",
        key: "mp2",
        attributes: { userMetadata: {} },
        lock: { retention: { mode: "GOVERNANCE", until: new Date(Date.now() - 1) } },
      }),
    );
    expect(past.lock?.reason).toBe("PastRetainDate");
  });
});

describe("buckets without object lock", () => {
  test("look at the object lock setting only through its cache, and unversioned ones never", async () => {
    for (const versioned of [false, true]) {
      const s = await makeStore("xattr", false);
      if (versioned) await s.putBucketVersioning("bkt", "Enabled");
      await put(s, "warm", "w");
      const touched: string[] = [];
      const ops = s.context.ops as unknown as Record<string, (...args: unknown[]) => unknown>;
      for (const name of ["lstat", "open", "readFile"]) {
        const real = ops[name]!;
        ops[name] = (...args: unknown[]) => {
          if (typeof args[0] === "string") touched.push(args[0]);
          return real(...args);
        };
      }
      for (let i = 0; i < 10; i++) {
        const v = (await put(s, `k${i}`, "x")).versionId;
        await read(s, `k${i}`);
        await s.deleteObject("bkt", `k${i}`, v);
      }
      const lookups = touched.filter((p) => p.endsWith("/settings/object-lock")).length;
      if (versioned) expect(lookups).toBeLessThanOrEqual(2);
      else expect(lookups).toBe(0);
    }
  });
});
