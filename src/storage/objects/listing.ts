/**
 * ListObjects over the directory tree, in S3 order (UTF-8 bytes of the whole key).
 *
 * The walk starts at the deepest directory fully named by the prefix. Each step is a fresh
 * seek from there: "the first key or common prefix after the cursor", done by binary search
 * in each directory's cached sorted listing (dir-cache.ts) while descending along the
 * cursor. A page thus costs O(items × depth × log n) comparisons plus one lstat per
 * directory touched (memoized for the call), never a re-read or re-sort of a large
 * directory, and cursors are plain keys: any host can resume, and keys added or removed
 * between pages are handled like S3 (a page shows what exists when it is read).
 *
 * With delimiter "/" the walk does not descend: a subdirectory of the start directory is a
 * common prefix when it holds at least one object or directory object at any depth. Other
 * delimiters descend and group; after a common prefix the cursor skips its whole range.
 *
 * Keys a path cannot hold live in the bucket's alternate area (alt-listing.ts), walked in the
 * same order: each step takes the smaller of the two walks' next items, so prefixes,
 * delimiters and cursors work across both.
 */
import type { FsOps } from "../../runtime/fs-ops.ts";
import { isStorageError, StorageError } from "../errors.ts";
import { compareUtf8, MAX_KEY_BYTES, RESERVED, utf8Length } from "../layout/keys.ts";
import { type Layout, openDirVerified } from "../layout/paths.ts";
import type { Describer } from "../metadata/describe.ts";
import { mayAccess, searchPath } from "../permissions/path-checks.ts";
import { MAY_EXEC, MAY_READ } from "../permissions/permits.ts";
import type { ListedObject, ListInput, ListResult, PosixIdentity } from "../types.ts";
import { AltWalk, bucketAltLevels } from "./alt-listing.ts";
import type { DirCache, DirListing } from "./dir-cache.ts";
import { isPermissionError, searchEntries } from "./dir-cache.ts";

/** Results must be > value; in prefix mode also not start with value (a consumed prefix). */
interface Bound {
  value: string;
  prefixMode: boolean;
}

type Item = WalkItem;

function passes(key: string, b: Bound | undefined): boolean {
  if (!b) return true;
  return compareUtf8(key, b.value) > 0 && !(b.prefixMode && key.startsWith(b.value));
}

/** For a directory range (all keys starting with r): skip it, include all, or descend. */
function classify(r: string, b: Bound | undefined): "all" | "skip" | "descend" {
  if (!b) return "all";
  if (b.value.startsWith(r) && b.value !== r) return "descend";
  if (b.value === r) return b.prefixMode ? "skip" : "descend";
  if (compareUtf8(r, b.value) > 0) return b.prefixMode && r.startsWith(b.value) ? "skip" : "all";
  return "skip";
}

export class Lister {
  constructor(
    private readonly ops: FsOps,
    private readonly layout: Layout,
    private readonly dirs: DirCache,
    private readonly describer: Describer,
  ) {}

  async list(input: ListInput): Promise<ListResult> {
    const bucketPath = this.layout.bucket(input.bucket);
    const bst = await this.ops.lstat(bucketPath).catch(() => undefined);
    if (!bst?.isDirectory()) throw new StorageError("NoSuchBucket");
    const empty: ListResult = { objects: [], commonPrefixes: [], isTruncated: false };
    const maxKeys = Math.min(Math.max(0, Math.floor(input.maxKeys)), 1000);
    if (maxKeys === 0) return empty;
    const startDir = input.prefix.slice(0, input.prefix.lastIndexOf("/") + 1);
    // The plain tree has nothing under a prefix it cannot hold; the alternate area may.
    let plain = validDirPrefix(startDir);
    if (plain && startDir) plain = await this.verifyDir(`${bucketPath}/${startDir.slice(0, -1)}`);
    if (input.access && !(await this.searchable(input.bucket, plain ? startDir : "", input.access)))
      return empty;
    const source = plain ? this.source(bucketPath, input.access) : NO_SOURCE;
    const alt = new AltWalk(bucketAltLevels(this.dirs, bucketPath), input.prefix);
    const { items, truncated } = await walkItems(source, { ...input, maxKeys }, alt);
    return this.finish(bucketPath, items, truncated);
  }

  /**
   * The bucket's directory tree as a walk source. With access, a directory that identity may
   * not read and search (r+x) lists as missing: left out, with everything below it.
   */
  source(bucketPath: string, access?: PosixIdentity): WalkSource {
    const pathOf = (rel: string) => (rel ? `${bucketPath}/${rel.slice(0, -1)}` : bucketPath);
    const isMarked = (rel: string, l: DirListing) => this.isMarked(bucketPath, rel, l);
    if (!access) return { listing: (rel) => this.dirListing(pathOf(rel)), isMarked };
    const listing = async (rel: string) => {
      const path = pathOf(rel);
      const l = await this.dirListing(path);
      return l && mayAccess(l.st, { path }, access, MAY_READ | MAY_EXEC) ? l : undefined;
    };
    return { listing, isMarked };
  }

  /** Whether access may search every directory above startDir (from the bucket's own). */
  private async searchable(bucket: string, startDir: string, access: PosixIdentity): Promise<boolean> {
    const segs = startDir ? startDir.slice(0, -1).split("/") : [];
    try {
      await searchPath(this.ops, this.layout.root, this.layout.bucketDir(bucket), segs, access);
      return true;
    } catch (e) {
      if (isStorageError(e) && e.code === "AccessDenied") return false;
      throw e;
    }
  }

  /** False when the directory is missing, symlinked or not readable by the server. */
  private async verifyDir(path: string): Promise<boolean> {
    const fd = await openDirVerified(this.ops, path).catch((e) => {
      if (isPermissionError(e)) return undefined;
      throw e;
    });
    if (fd === undefined) return false;
    await this.ops.close(fd);
    return true;
  }

  /** Stats the page's objects (in parallel, bounded) and assembles the result. */
  private async finish(bucketPath: string, items: Item[], truncated: boolean): Promise<ListResult> {
    const described: (ListedObject | undefined)[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        const it = items[i]!;
        if (it.kind !== "prefix") described[i] = await this.describe(bucketPath, it).catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: this.ops.sync ? 1 : 32 }, worker));
    const result: ListResult = { objects: [], commonPrefixes: [], isTruncated: truncated };
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (it.kind === "prefix") result.commonPrefixes.push(it.key);
      else if (described[i]) result.objects.push(described[i]!);
    }
    if (items.length) result.lastReturned = items[items.length - 1]!.key;
    return result;
  }

  private async describe(bucketPath: string, it: Item): Promise<ListedObject | undefined> {
    if (it.diskKey) {
      const path = `${bucketPath}/${it.diskKey}`;
      const st = await this.ops.lstat(path);
      if (!st.isFile()) return undefined;
      const entry = await this.describer.listEntry(path, st, { bucketPath, key: it.diskKey });
      return entry && { ...entry, key: it.key };
    }
    const path = `${bucketPath}/${it.kind === "dirobj" ? it.key.slice(0, -1) : it.key}`;
    const st = await this.ops.lstat(path);
    const t = { bucketPath, key: it.key };
    if (it.kind === "dirobj") {
      const info = st.isDirectory() ? await this.describer.isMarkedDirectory(path, st, t) : undefined;
      return info && { key: it.key, size: 0, etag: info.etag, lastModified: info.lastModified };
    }
    return st.isFile() ? this.describer.listEntry(path, st, t) : undefined;
  }

  /** Internal to Walk: cached listing and directory-object check. */
  dirListing(path: string): Promise<DirListing | undefined> {
    return this.dirs.get(path);
  }
  async isMarked(bucketPath: string, rel: string, l: DirListing): Promise<boolean> {
    const path = `${bucketPath}/${rel.slice(0, -1)}`;
    try {
      return !!(await this.describer.isMarkedDirectory(path, l.st, { bucketPath, key: rel }));
    } catch (e) {
      if (isPermissionError(e)) return false; // its record cannot be read: not listed as an object
      throw e;
    }
  }
}

/**
 * A tree of keys to walk: the bucket's directories, or the versions store's levels
 * (../versions/listing.ts). rel is a prefix: "" or ending in "/".
 */
export interface WalkSource {
  /** The sorted entries under rel: files are keys rel + name, directories prefixes. */
  listing(rel: string): Promise<DirListing | undefined>;
  /** True when the directory of rel is itself an object (a directory object). */
  isMarked(rel: string, l: DirListing): Promise<boolean>;
}

export interface WalkItem {
  key: string;
  kind: "file" | "dirobj" | "prefix";
  /** Set for a key of the alternate area: its path relative to the bucket. */
  diskKey?: string;
}

/** A tree with nothing in it. */
export const NO_SOURCE: WalkSource = {
  listing: async () => undefined,
  isMarked: async () => false,
};

/**
 * Up to maxKeys keys and common prefixes after input.after, in S3 order, grouped by the
 * delimiter; truncated when more follow.
 */
export async function walkItems(
  source: WalkSource,
  input: { prefix: string; delimiter: string; after: string; maxKeys: number },
  alt?: AltWalk,
): Promise<{ items: WalkItem[]; truncated: boolean }> {
  const { prefix, delimiter, maxKeys } = input;
  const cut = prefix.lastIndexOf("/") + 1;
  const startDir = prefix.slice(0, cut);
  const items: Item[] = [];
  if (maxKeys <= 0) return { items, truncated: false };
  const walk = validDirPrefix(startDir)
    ? new Walk(source, startDir, prefix.slice(cut), delimiter === "/")
    : undefined;
  let bound = initialBound(input.after, prefix, delimiter);
  for (;;) {
    const item = await nextOfBoth(walk, alt, bound);
    if (!item) break;
    if (items.length === maxKeys) return { items, truncated: true };
    const rest = item.key.slice(prefix.length);
    const at = delimiter && item.kind !== "prefix" ? rest.indexOf(delimiter) : -1;
    if (at >= 0) {
      const cp = prefix + rest.slice(0, at + delimiter.length);
      items.push({ key: cp, kind: "prefix" });
      bound = { value: cp, prefixMode: true };
    } else {
      items.push(item);
      bound = { value: item.key, prefixMode: item.kind === "prefix" };
    }
  }
  return { items, truncated: false };
}

/** The first item after bound from the tree or the alternate area (the tree's on a tie). */
async function nextOfBoth(
  walk: Walk | undefined,
  alt: AltWalk | undefined,
  bound: Bound | undefined,
): Promise<Item | undefined> {
  const a = await walk?.next(bound);
  const known = alt ? alt.known(bound) : undefined;
  const b = known === null ? await alt?.next(bound) : known;
  // On a tie the tree's item wins, except an empty directory object: a directory key with
  // data is in the area, and reads look there first (key-places.ts).
  if (!b || (a && (compareUtf8(a.key, b.key) < 0 || (a.key === b.key && a.kind !== "dirobj")))) return a;
  return { key: b.key, kind: "file", diskKey: b.diskKey };
}

/** One list call: memoized listings, seeks from the start directory. */
class Walk {
  private readonly memo = new Map<string, Promise<DirListing | undefined>>();
  private readonly nonEmpty = new Map<string, Promise<boolean>>();

  constructor(
    private readonly source: WalkSource,
    private readonly startDir: string,
    private readonly filter: string,
    private readonly slashOnly: boolean,
  ) {}

  private listing(rel: string): Promise<DirListing | undefined> {
    let p = this.memo.get(rel);
    if (!p) {
      p = this.source.listing(rel);
      this.memo.set(rel, p);
    }
    return p;
  }

  /** The first item after the bound, or undefined at the end. */
  async next(bound: Bound | undefined): Promise<Item | undefined> {
    const s = this.startDir;
    if (bound && !bound.value.startsWith(s)) {
      if (bound.prefixMode && s.startsWith(bound.value)) return undefined;
      if (compareUtf8(bound.value, s) > 0) return undefined;
      bound = undefined;
    }
    if (s && this.filter === "" && passes(s, bound)) {
      const l = await this.listing(s);
      if (l && (await this.source.isMarked(s, l))) return { key: s, kind: "dirobj" };
    }
    return this.firstIn(s, this.filter, bound);
  }

  private async firstIn(rel: string, filter: string, bound: Bound | undefined): Promise<Item | undefined> {
    const l = await this.listing(rel);
    if (!l) return undefined;
    const entries = l.entries;
    let i = filter ? searchEntries(entries, filter, "gte") : 0;
    if (bound) {
      const after = bound.value.slice(rel.length);
      let j = searchEntries(entries, after, bound.prefixMode ? "past" : "gt");
      const prev = entries[j - 1];
      if (prev?.dir && after.startsWith(prev.sortKey)) j--;
      i = Math.max(i, j);
    }
    const atStart = rel === this.startDir;
    for (; i < entries.length; i++) {
      const e = entries[i]!;
      if (filter && !e.sortKey.startsWith(filter)) break;
      if (rel === "" && e.name === RESERVED) continue;
      const full = rel + e.sortKey;
      if (full.length > MAX_KEY_BYTES / 3 && utf8Length(full) > MAX_KEY_BYTES) continue;
      if (!e.dir) {
        if (passes(full, bound)) return { key: full, kind: "file" };
        continue;
      }
      const range = classify(full, bound);
      if (range === "skip") continue;
      if (this.slashOnly && atStart) {
        if (range === "all" && (await this.hasObjects(full))) return { key: full, kind: "prefix" };
        continue;
      }
      if (range === "all") {
        const sub = await this.listing(full);
        if (sub && (await this.source.isMarked(full, sub))) return { key: full, kind: "dirobj" };
      }
      const found = await this.firstIn(full, "", range === "all" ? undefined : bound);
      if (found) return found;
    }
    return undefined;
  }

  /** True when the directory (rel ends with "/") is a directory object or holds one or a file. */
  private hasObjects(rel: string): Promise<boolean> {
    let p = this.nonEmpty.get(rel);
    if (!p) {
      p = (async () => {
        const l = await this.listing(rel);
        if (!l) return false;
        if (await this.source.isMarked(rel, l)) return true;
        if (l.entries.some((e) => !e.dir)) return true;
        for (const e of l.entries) if (await this.hasObjects(rel + e.sortKey)) return true;
        return false;
      })();
      this.nonEmpty.set(rel, p);
    }
    return p;
  }
}

function validDirPrefix(dir: string): boolean {
  if (!dir) return true;
  const segs = dir.slice(0, -1).split("/");
  return (
    segs[0] !== RESERVED && segs.every((s) => s !== "" && s !== "." && s !== "..") && !dir.includes("\0")
  );
}

function initialBound(after: string, prefix: string, delimiter: string): Bound | undefined {
  if (!after) return undefined;
  if (delimiter && after.startsWith(prefix)) {
    const at = after.indexOf(delimiter, prefix.length);
    if (at >= 0) return { value: after.slice(0, at + delimiter.length), prefixMode: true };
  }
  return { value: after, prefixMode: false };
}
