/**
 * The keys of a bucket's alternate area (../layout/alt-keys.ts) in S3 order, for listings
 * merged with the directory tree (listing.ts). Names in that tree are hex of the key's bytes,
 * so the order of names is the order of keys: "the first key after a bound" is a descent
 * with a binary search in each level's cached, sorted listing, O(depth × log n) per item,
 * never a scan of the area.
 */
import { ALT_CHUNK, ALT_PREFIX, fromHex, toHex } from "../layout/alt-keys.ts";
import { compareUtf8 } from "../layout/keys.ts";
import type { DirCache, DirEntry } from "./dir-cache.ts";

/** Like listing.ts's Bound: keys > value; with prefixMode also not starting with value. */
export interface AltBound {
  value: string;
  prefixMode: boolean;
}

export interface AltItem {
  key: string;
  /** The object's path relative to the bucket. */
  diskKey: string;
}

type Mode = "gte" | "gt" | "past" | "any";

export interface Level {
  /** Hex of the level's part of the key: a directory's full chunk, a file's rest ("k" dropped). */
  part: string;
  dir: boolean;
  name: string;
}

const levels = new WeakMap<DirEntry[], Level[]>();

export function isChunkName(name: string): boolean {
  return name.length === ALT_CHUNK && /^[0-9a-f]+$/.test(name);
}
export function isLeafName(name: string): boolean {
  return name.length <= ALT_CHUNK && /^k[0-9a-f]*$/.test(name);
}

/** Levels sorted by part (parts differ in length between files and directories: no ties). */
export function sortLevels(l: Level[]): Level[] {
  return l.sort((a, b) => (a.part < b.part ? -1 : a.part > b.part ? 1 : 0));
}

/** One level of the area in the bucket: directories are chunks, files leaves. */
function levelsOf(entries: DirEntry[]): Level[] {
  let l = levels.get(entries);
  if (!l) {
    l = [];
    for (const e of entries) {
      if (e.dir && isChunkName(e.name)) l.push({ part: e.name, dir: true, name: e.name });
      else if (!e.dir && isLeafName(e.name)) l.push({ part: e.name.slice(1), dir: false, name: e.name });
    }
    levels.set(entries, sortLevels(l));
  }
  return l;
}

/** The levels of a tree of the area's shape; rel is "" or ends in "/". */
export type LevelReader = (rel: string) => Promise<Level[] | undefined>;

/** The bucket's own area, `<bucket>/.s3dir/keys/`. */
export function bucketAltLevels(dirs: DirCache, bucketPath: string): LevelReader {
  return async (rel) => {
    const l = await dirs.get(`${bucketPath}/${ALT_PREFIX}${rel}`.replace(/\/$/, ""));
    return l ? levelsOf(l.entries) : undefined;
  };
}

function passes(h: string, t: string, mode: Mode): boolean {
  if (mode === "any") return true;
  if (mode === "gte") return h >= t;
  return h > t && !(mode === "past" && h.startsWith(t));
}

/** One list call's view of the area (listings memoized for the call). */
export class AltWalk {
  private readonly memo = new Map<string, Promise<Level[] | undefined>>();
  /** The last answer: still the answer while the bound has not passed it (bounds only grow). */
  private pending: AltItem | undefined | null = null;

  constructor(
    private readonly read: LevelReader,
    private readonly prefix: string,
  ) {}

  private level(rel: string): Promise<Level[] | undefined> {
    let p = this.memo.get(rel);
    if (!p) {
      p = this.read(rel);
      this.memo.set(rel, p);
    }
    return p;
  }

  /**
   * The answer next(bound) would give when it is known without a read (the last answer still
   * holds), else null. Synchronous: most items of a listing are the tree's, and this is asked
   * for each of them.
   */
  known(bound: AltBound | undefined): AltItem | undefined | null {
    if (this.pending === null || this.pending === undefined) return this.pending;
    return !bound || afterBound(this.pending.key, bound) ? this.pending : null;
  }

  /** The first key with the prefix after bound, or undefined. */
  async next(bound: AltBound | undefined): Promise<AltItem | undefined> {
    const known = this.known(bound);
    if (known !== null) return known;
    const p = toHex(this.prefix);
    let target = p;
    let mode: Mode = "gte";
    if (bound) {
      const b = toHex(bound.value);
      if (b >= p || (bound.prefixMode && p.startsWith(b))) {
        target = b;
        mode = bound.prefixMode ? "past" : "gt";
      }
    }
    const found = await this.first("", "", target, mode);
    const item = found === undefined || !found.hex.startsWith(p) ? undefined : found;
    this.pending = item && { key: fromHex(item.hex) ?? "", diskKey: `${ALT_PREFIX}${item.rel}` };
    return this.pending;
  }

  /** rel: the level's path under the area ("" or ending in "/"); h: hex of its key prefix. */
  private async first(
    rel: string,
    h: string,
    t: string,
    mode: Mode,
  ): Promise<{ hex: string; rel: string } | undefined> {
    const l = await this.level(rel);
    if (!l) return undefined;
    let i = 0;
    if (mode !== "any") {
      const rest = t.slice(h.length);
      i = lowerBound(l, rest);
      const prev = l[i - 1];
      if (prev?.dir && rest.startsWith(prev.part)) i--;
    }
    for (; i < l.length; i++) {
      const e = l[i]!;
      const full = h + e.part;
      if (!e.dir) {
        // A file whose hex is not a whole number of bytes is no key.
        if (full.length % 2 === 0 && passes(full, t, mode) && fromHex(full) !== undefined)
          return { hex: full, rel: rel + e.name };
        continue;
      }
      let sub: Mode;
      if (mode === "any") sub = "any";
      else if (t.startsWith(full)) {
        if (mode === "past" && t === full) continue;
        sub = mode;
      } else if (full > t) {
        if (mode === "past" && full.startsWith(t)) continue;
        sub = "any";
      } else continue;
      const r = await this.first(`${rel}${e.name}/`, full, t, sub);
      if (r) return r;
    }
    return undefined;
  }
}

function afterBound(key: string, b: AltBound): boolean {
  return compareUtf8(key, b.value) > 0 && !(b.prefixMode && key.startsWith(b.value));
}

/** First index whose part is >= target. */
function lowerBound(l: Level[], target: string): number {
  let lo = 0;
  let hi = l.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (l[mid]!.part < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
