import { describe, expect, test } from "bun:test";
import {
  ALT_CHUNK,
  ALT_PREFIX,
  altDiskKey,
  isAltDiskKey,
  keyOfAltDiskKey,
} from "../../src/storage/layout/alt-keys.ts";
import { checkS3Key, compareUtf8, isPlainKey } from "../../src/storage/layout/keys.ts";
import { AltWalk, type Level, type LevelReader, sortLevels } from "../../src/storage/objects/alt-listing.ts";

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

// Lengths around the 127-byte chunk boundary, shared long prefixes, multi-byte characters.
const keys = [
  "a",
  "a/",
  "a//",
  "a//b",
  "a/b",
  "ab",
  "é",
  "é/x",
  "😀",
  "\uffff",
  "x".repeat(126),
  "x".repeat(127),
  "x".repeat(128),
  `${"x".repeat(127)}/`,
  `${"x".repeat(254)}`,
  `${"x".repeat(254)}a`,
  `${"x".repeat(300)}/y`,
  `${"x".repeat(127)}é`,
  "y".repeat(1024),
].sort(byBytes);

/** The area as a LevelReader over the disk keys of keys. */
function memoryArea(all: string[]): LevelReader {
  const disk = all.map((k) => altDiskKey(k).slice(ALT_PREFIX.length));
  return async (rel) => {
    const names = new Map<string, boolean>();
    for (const d of disk) {
      if (!d.startsWith(rel)) continue;
      const rest = d.slice(rel.length);
      const slash = rest.indexOf("/");
      names.set(slash < 0 ? rest : rest.slice(0, slash), slash >= 0);
    }
    if (names.size === 0) return undefined;
    const l: Level[] = [...names].map(([name, dir]) => ({ name, dir, part: dir ? name : name.slice(1) }));
    return sortLevels(l);
  };
}

async function walkAll(area: LevelReader, prefix: string, after: string, prefixMode = false) {
  const w = new AltWalk(area, prefix);
  const out: string[] = [];
  let bound = after ? { value: after, prefixMode } : undefined;
  for (;;) {
    const it = await w.next(bound);
    if (!it) return out;
    out.push(it.key);
    bound = { value: it.key, prefixMode: false };
  }
}

describe("alternate names", () => {
  test("round trip, shape and levels of at most 255 bytes", () => {
    for (const k of keys) {
      const d = altDiskKey(k);
      expect(isAltDiskKey(d)).toBe(true);
      expect(keyOfAltDiskKey(d)).toBe(k);
      for (const seg of d.split("/")) expect(seg.length).toBeLessThanOrEqual(ALT_CHUNK + 1);
    }
    expect(keyOfAltDiskKey(".s3dir/keys/kzz")).toBeUndefined();
    expect(keyOfAltDiskKey("a/b")).toBeUndefined();
  });

  test("which keys have a plain path", () => {
    expect(isPlainKey("a/b")).toBe(true);
    expect(isPlainKey("a/")).toBe(true);
    for (const k of ["a//b", "/a", "a//", ".s3dir/x", `a/${"x".repeat(256)}`])
      expect(isPlainKey(k)).toBe(false);
    for (const k of ["a/../b", "./a", "a\0b"]) expect(() => checkS3Key(k)).toThrow();
    expect(() => checkS3Key("k".repeat(1025))).toThrow();
  });

  test("the area walks in UTF-8 byte order, from any bound, within any prefix", async () => {
    const area = memoryArea(keys);
    expect(await walkAll(area, "", "")).toEqual(keys);
    for (const after of ["", ...keys, "a/a", "x".repeat(200), "\u00ff"]) {
      const want = keys.filter((k) => compareUtf8(k, after) > 0);
      expect(await walkAll(area, "", after)).toEqual(want);
      const past = keys.filter((k) => compareUtf8(k, after) > 0 && !k.startsWith(after));
      expect(await walkAll(area, "", after, true)).toEqual(after ? past : keys);
    }
    for (const prefix of ["a", "a/", "x".repeat(127), "x".repeat(254), "é", "z"]) {
      expect(await walkAll(area, prefix, "")).toEqual(keys.filter((k) => k.startsWith(prefix)));
    }
  });
});
