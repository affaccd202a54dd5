import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import { lGetXattr } from "../../src/runtime/xattr.ts";
import { decodeRecord } from "../../src/storage/metadata/record.ts";
import { XATTR_NAME } from "../../src/storage/metadata/store.ts";
import { createPosixStore, type PosixStore } from "../../src/storage/posix-store.ts";
import { bucketState } from "../helpers/util.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

async function makeStore(metadataStore: "auto" | "xattr" | "file"): Promise<PosixStore> {
  const root = fs.mkdtempSync(`${os.tmpdir()}/s3dir-meta-`);
  roots.push(root);
  const s = await createPosixStore({ root, fsync: false, metadataStore });
  await s.createBucket("bkt");
  return s;
}

const md5 = (d: string) => createHash("md5").update(d).digest("hex");
const sidecars = (s: PosixStore) =>
  fs.existsSync(bucketState(s.root, "bkt", "meta"))
    ? fs.readdirSync(bucketState(s.root, "bkt", "meta"), { recursive: true })
    : [];

describe("metadata records", () => {
  test("auto detects xattr support on the root", async () => {
    expect((await makeStore("auto")).metadataStore).toBe("xattr");
  });

  test("xattr store: one compact record on the file, no sidecar", async () => {
    const s = await makeStore("xattr");
    const body = new Blob(["abc"]).stream();
    await s.putObject({
      bucket: "bkt",
      key: "k.txt",
      body,
      attributes: { userMetadata: { a: "b" } },
      verify: {},
    });
    const rec = decodeRecord(lGetXattr(`${s.root}/bkt/k.txt`, XATTR_NAME));
    expect(rec).toMatchObject({ v: 1, s: 3, e: md5("abc"), u: { a: "b" } });
    expect(rec!.i).toBe(fs.statSync(`${s.root}/bkt/k.txt`, { bigint: true }).ino.toString());
    expect(sidecars(s)).toEqual([]);
  });

  test("xattr store on a network filesystem's calls: records set off the event loop read back on every host", async () => {
    const local = await makeStore("xattr");
    const remote = await createPosixStore({
      root: local.root,
      fsync: false,
      metadataStore: "xattr",
      syncMetadataIo: false,
    });
    const userMetadata = { a: "b" };
    await remote.putObject({
      bucket: "bkt",
      key: "n.txt",
      body: new Blob(["net"]).stream(),
      attributes: { userMetadata },
      verify: {},
    });
    const rec = decodeRecord(lGetXattr(`${local.root}/bkt/n.txt`, XATTR_NAME));
    expect(rec).toMatchObject({ v: 1, s: 3, e: md5("net"), u: userMetadata });
    const large = { big: "m".repeat(2000) };
    const disposition = `attachment; filename="${"d".repeat(1900)}"`;
    await remote.putObject({
      bucket: "bkt",
      key: "big",
      body: new Blob(["v"]).stream(),
      attributes: { userMetadata: large, contentDisposition: disposition },
      verify: {},
    });
    expect(await local.headObject("bkt", "big")).toMatchObject({
      etag: md5("v"),
      userMetadata: large,
      contentDisposition: disposition,
    });
    expect(await local.headObject("bkt", "n.txt")).toMatchObject({ etag: md5("net"), userMetadata });
    await remote.close();
  });

  test("xattr store: a record too large for an xattr goes to the sidecar", async () => {
    const s = await makeStore("xattr");
    const userMetadata = { big: "m".repeat(2000) };
    const attributes = { userMetadata, contentDisposition: `attachment; filename="${"d".repeat(1900)}"` };
    const put = (data: string) =>
      s.putObject({ bucket: "bkt", key: "large", body: new Blob([data]).stream(), attributes, verify: {} });
    await put("v1");
    expect(decodeRecord(lGetXattr(`${s.root}/bkt/large`, XATTR_NAME))).toEqual({ v: 1, x: 1 } as never);
    expect(sidecars(s).length).toBeGreaterThan(0);
    expect(await s.headObject("bkt", "large")).toMatchObject({ etag: md5("v1"), ...attributes });
    const open = await s.openObject("bkt", "large");
    await put("v2");
    expect(open.info.etag).toBe(md5("v1"));
    expect(await new Response(open.stream(0, 1)).text()).toBe("v1");
    expect(await s.headObject("bkt", "large")).toMatchObject({ etag: md5("v2"), ...attributes });
    await s.deleteObject("bkt", "large");
    expect(
      fs
        .readdirSync(bucketState(s.root, "bkt", "meta"), { recursive: true })
        .filter((n) => String(n).length > 2),
    ).toEqual([]);
  });

  test.each(["xattr", "file"] as const)(
    "%s store: concurrent ETag computations for a POSIX file agree",
    async (kind) => {
      const s = await makeStore(kind);
      const data = "x".repeat(3 * 1024 * 1024);
      fs.writeFileSync(`${s.root}/bkt/posix.bin`, data);
      const heads = await Promise.all(Array.from({ length: 8 }, () => s.headObject("bkt", "posix.bin")));
      expect(new Set(heads.map((h) => h.etag))).toEqual(new Set([md5(data)]));
      // Stored: still the same, and a later change is noticed.
      expect((await s.headObject("bkt", "posix.bin")).etag).toBe(md5(data));
      fs.writeFileSync(`${s.root}/bkt/posix.bin`, "short");
      expect((await s.headObject("bkt", "posix.bin")).etag).toBe(md5("short"));
    },
  );

  test("file store: records live in sidecars, nothing on the file", async () => {
    const s = await makeStore("file");
    const body = new Blob(["abc"]).stream();
    await s.putObject({
      bucket: "bkt",
      key: "k",
      body,
      attributes: { userMetadata: { a: "b" } },
      verify: {},
    });
    expect(lGetXattr(`${s.root}/bkt/k`, XATTR_NAME)).toBeUndefined();
    expect((await s.headObject("bkt", "k")).userMetadata).toEqual({ a: "b" });
    await s.deleteObject("bkt", "k");
    const left = fs
      .readdirSync(bucketState(s.root, "bkt", "meta"), { recursive: true })
      .filter((n) => String(n).length > 2);
    expect(left).toEqual([]);
  });
});
