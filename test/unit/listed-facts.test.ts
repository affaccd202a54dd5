import { describe, expect, test } from "bun:test";
import type { BigStats } from "../../src/runtime/fs-ops.ts";
import { ListedFactsCache } from "../../src/storage/versions/listed-facts.ts";

const s = 1_000_000_000n;
const stat = (over: Partial<Record<"ino" | "size" | "mtimeNs" | "ctimeNs", bigint>> = {}) =>
  ({ ino: 7n, size: 3n, mtimeNs: 10n * s, ctimeNs: 10n * s, ...over }) as unknown as BigStats;
const facts = { size: 3, etag: "abc" };

describe("ListedFactsCache", () => {
  test("answers while the inode is unchanged, for facts read a second after its ctime", () => {
    const c = new ListedFactsCache();
    c.set("/v/a", stat(), facts, 11n * s);
    expect(c.get("/v/a", stat())).toMatchObject(facts);
    expect(c.get("/v/b", stat())).toBeUndefined();
  });

  test("a change of inode, size, mtime or ctime is a miss, and forgets the entry", () => {
    for (const over of [{ ino: 8n }, { size: 4n }, { mtimeNs: 12n * s }, { ctimeNs: 12n * s }]) {
      const c = new ListedFactsCache();
      c.set("/v/a", stat(), facts, 11n * s);
      expect(c.get("/v/a", stat(over))).toBeUndefined();
      expect(c.get("/v/a", stat())).toBeUndefined();
    }
  });

  test("facts read within a second of the ctime are not kept (a coarse clock may hide a change)", () => {
    const c = new ListedFactsCache();
    c.set("/v/a", stat(), facts, 11n * s - 1n);
    expect(c.get("/v/a", stat())).toBeUndefined();
  });

  test("bounded: the least recently used entry goes first", () => {
    const c = new ListedFactsCache(2);
    c.set("/v/a", stat(), facts, 11n * s);
    c.set("/v/b", stat(), facts, 11n * s);
    expect(c.get("/v/a", stat())).toBeDefined(); // a is now the most recent
    c.set("/v/c", stat(), facts, 11n * s);
    expect(c.get("/v/b", stat())).toBeUndefined();
    expect(c.get("/v/a", stat())).toBeDefined();
    expect(c.get("/v/c", stat())).toBeDefined();
  });
});
