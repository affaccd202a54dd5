import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { fsOps } from "../../src/runtime/fs-ops.ts";
import { compareUtf8 } from "../../src/storage/layout/keys.ts";
import { DirCache } from "../../src/storage/objects/dir-cache.ts";
import { createPosixStore, type PosixStore } from "../../src/storage/posix-store.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Awkward keys: `a+b < a/x < a0`, spaces, %, astral vs BMP-above-E000, dir objects. */
const KEYS = [
  "a+b",
  "a/x",
  "a/y/z",
  "a0",
  "a b",
  "a%20c",
  "b/",
  "b/inner",
  "c/d/",
  "ü",
  "\u{1F600}smile",
  "\uFFFDrepl",
  "\uE000private",
  "z/\u{10348}",
  "z/\uFF21",
  "z/deep/er/est",
  "z-dash",
  "zz/0",
];

/** What S3 returns, all pages together: keys and "CP:" common prefixes in order. */
function model(keys: string[], prefix: string, delimiter: string): string[] {
  const out: string[] = [];
  for (const k of keys.filter((k) => k.startsWith(prefix)).sort(byBytes)) {
    const rest = k.slice(prefix.length);
    const at = delimiter ? rest.indexOf(delimiter) : -1;
    if (at < 0) out.push(k);
    else {
      const cp = `CP:${prefix}${rest.slice(0, at + delimiter.length)}`;
      if (out[out.length - 1] !== cp) out.push(cp);
    }
  }
  return out;
}

async function listAll(s: PosixStore, prefix: string, delimiter: string, maxKeys: number, bucket = "bkt") {
  const seq: string[] = [];
  let after = "";
  for (let page = 0; page < 10_000; page++) {
    const r = await s.list({ bucket, prefix, delimiter, after, maxKeys });
    const items = [...r.objects.map((o) => o.key), ...r.commonPrefixes.map((p) => `CP:${p}`)];
    items.sort((a, b) => compareUtf8(a.replace(/^CP:/, ""), b.replace(/^CP:/, "")));
    expect(items.length).toBeLessThanOrEqual(maxKeys);
    seq.push(...items);
    if (!r.isTruncated) return seq;
    expect(items.length).toBe(maxKeys);
    after = r.lastReturned!;
  }
  throw new Error("no end");
}

const modes = [
  ["xattr", true],
  ["file", false],
] as const;

describe.each(modes)("listing with %s metadata, sync I/O %p", (kind, syncMetadataIo) => {
  let s: PosixStore;
  beforeAll(async () => {
    const root = fs.mkdtempSync(`${os.tmpdir()}/s3dir-list-`);
    roots.push(root);
    s = await createPosixStore({ root, fsync: false, metadataStore: kind, syncMetadataIo });
    await s.createBucket("bkt");
    for (const key of KEYS) {
      const data = key.endsWith("/") ? "" : key;
      await s.putObject({
        bucket: "bkt",
        key,
        body: new Blob([data]).stream(),
        attributes: { userMetadata: {} },
        verify: {},
      });
    }
    fs.mkdirSync(`${root}/bkt/empty/tree/only`, { recursive: true }); // no objects: never a prefix
    fs.mkdirSync(`${root}/bkt/z/empty`, { recursive: true });
    fs.symlinkSync(`${root}/bkt/a`, `${root}/bkt/a-link`);
  });

  test("compareUtf8 equals UTF-8 byte order", () => {
    const sorted = [...KEYS].sort(compareUtf8);
    expect(sorted).toEqual([...KEYS].sort(byBytes));
    expect(compareUtf8("\u{1F600}", "\uE000")).toBeGreaterThan(0); // UTF-16 order says the opposite
    expect(compareUtf8("a/", "a+")).toBeGreaterThan(0);
  });

  const cases: [string, string][] = [
    ["", ""],
    ["", "/"],
    ["a", "/"],
    ["a/", "/"],
    ["z/", ""],
    ["z", "/"],
    ["", "a"],
    ["", "/d"],
    ["b/", "/"],
    ["c/", "/"],
    ["zz", ""],
    ["nothing/", "/"],
    ["empty/", ""],
  ];
  for (const [prefix, delimiter] of cases) {
    test(`prefix ${JSON.stringify(prefix)} delimiter ${JSON.stringify(delimiter)}: every page size gives one sequence`, async () => {
      const want = model(KEYS, prefix, delimiter);
      const one = await listAll(s, prefix, delimiter, 1000);
      expect(one).toEqual(want);
      for (let n = 1; n <= want.length + 1; n++) expect(await listAll(s, prefix, delimiter, n)).toEqual(want);
    });
  }

  test("after is exclusive and may be any string", async () => {
    const all = model(KEYS, "", "");
    for (const after of ["a/", "a/x", "a/xx", "a", "a/y/", "b", "b/", "\uE000", "zzz", "\u{1F600}"]) {
      const r = await s.list({ bucket: "bkt", prefix: "", delimiter: "", after, maxKeys: 1000 });
      expect(r.objects.map((o) => o.key)).toEqual(all.filter((k) => byBytes(k, after) > 0));
    }
    const r = await s.list({ bucket: "bkt", prefix: "", delimiter: "/", after: "a/x", maxKeys: 1000 });
    expect(r.commonPrefixes).not.toContain("a/");
  });

  test("listed objects carry size and ETag; directory objects appear as keys", async () => {
    const r = await s.list({ bucket: "bkt", prefix: "b", delimiter: "", after: "", maxKeys: 10 });
    expect(r.objects.map((o) => [o.key, o.size])).toEqual([
      ["b/", 0],
      ["b/inner", 7],
    ]);
    expect(r.objects[0]!.etag).toBe("d41d8cd98f00b204e9800998ecf8427e");
  });

  test("pagination stays correct while keys are added and removed", async () => {
    const p1 = await s.list({ bucket: "bkt", prefix: "", delimiter: "", after: "", maxKeys: 3 });
    const cursor = p1.lastReturned!;
    await s.putObject({
      bucket: "bkt",
      key: "a/w",
      body: new Blob(["x"]).stream(),
      attributes: { userMetadata: {} },
      verify: {},
    });
    await s.putObject({
      bucket: "bkt",
      key: "a1",
      body: new Blob(["x"]).stream(),
      attributes: { userMetadata: {} },
      verify: {},
    });
    await s.deleteObject("bkt", "a0");
    const keys = [...KEYS.filter((k) => k !== "a0"), "a/w", "a1"];
    const rest = await s.list({ bucket: "bkt", prefix: "", delimiter: "", after: cursor, maxKeys: 1000 });
    expect(rest.objects.map((o) => o.key)).toEqual(model(keys, "", "").filter((k) => byBytes(k, cursor) > 0));
    await s.deleteObject("bkt", "a/w");
    await s.deleteObject("bkt", "a1");
    await s.putObject({
      bucket: "bkt",
      key: "a0",
      body: new Blob(["a0"]).stream(),
      attributes: { userMetadata: {} },
      verify: {},
    });
  });
});

describe("large flat directory", () => {
  test("10,000 keys page by 1000 in order", async () => {
    // Removed here rather than in afterAll: deleting 10,000 files can outlast a hook's timeout.
    const root = fs.mkdtempSync(`${os.tmpdir()}/s3dir-flat-`);
    try {
      const s = await createPosixStore({ root, fsync: false });
      await s.createBucket("flat");
      const names: string[] = [];
      for (let i = 0; i < 10_000; i++) {
        const name = `f${(i * 7919) % 10_000}-${i % 3 ? "x" : "ü"}`;
        names.push(name);
        fs.writeFileSync(`${root}/flat/${name}`, name);
      }
      names.sort(byBytes);
      await listAll(s, "", "", 1000, "flat"); // computes and stores ETags of POSIX-written files
      // How fast a page is, is the benchmark's to say (scripts/bench/list.ts), not a timed test's.
      expect(await listAll(s, "", "/", 1000, "flat")).toEqual(names);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);

  test("the directory cache reads a stable directory once and notices changes", async () => {
    const dir = fs.mkdtempSync(`${os.tmpdir()}/s3dir-cache-`);
    roots.push(dir);
    for (const n of ["b", "a", "c"]) fs.writeFileSync(`${dir}/${n}`, n);
    fs.mkdirSync(`${dir}/a+`);
    const old = new Date(Date.now() - 5000);
    fs.utimesSync(dir, old, old);
    let reads = 0;
    const base = fsOps(true);
    const readdir = (p: string) => {
      reads++;
      return base.readdir(p);
    };
    const cache = new DirCache({ ...base, readdir });
    const first = await cache.get(dir);
    expect(first!.entries.map((e) => e.sortKey)).toEqual(["a", "a+/", "b", "c"]);
    await cache.get(dir);
    expect(reads).toBe(1);
    fs.writeFileSync(`${dir}/d`, "d"); // fresh mtime: re-read, and not trusted until it ages
    expect((await cache.get(dir))!.entries.length).toBe(5);
    await cache.get(dir);
    expect(reads).toBe(3);
  });
});
