/**
 * ListObjectVersions: keys in UTF-8 byte order, each key's versions newest first (the current
 * one, IsLatest, then the kept ones by id), delete markers included, grouped by delimiter.
 *
 * Keys come from two trees walked the same way (../objects/listing.ts): the bucket's directory
 * tree (current versions) and the versions store's levels (history.ts), merged in order
 * (merged-keys.ts). Each tree is read a batch at a time, so a page costs what its entries cost:
 * one stat per current file and per kept version shown (their records are read once and then
 * remembered while the stat shows the same inode: listed-facts.ts), one (cached) listing per
 * history directory touched. The
 * cursor is the pair (key, version id) that S3 calls NextKeyMarker / NextVersionIdMarker: any
 * host resumes from it.
 */
import type { StoreContext } from "../context.ts";
import { StorageError } from "../errors.ts";
import { altDiskKey } from "../layout/alt-keys.ts";
import { compareUtf8, isPlainKey, isValidBucketName, RESERVED } from "../layout/keys.ts";
import { mtimeDate } from "../metadata/describe.ts";
import {
  AltWalk,
  bucketAltLevels,
  isChunkName,
  isLeafName,
  type Level,
  type LevelReader,
  sortLevels,
} from "../objects/alt-listing.ts";
import type { DirCache, DirEntry, DirListing } from "../objects/dir-cache.ts";
import type { Lister, WalkItem, WalkSource } from "../objects/listing.ts";
import {
  DIRS,
  entryTarget,
  type HistoryEntry,
  historyDir,
  KEYS,
  markerDate,
  sortEntries,
  versionsRoot,
} from "./history.ts";
import { isVersionId, NULL_VERSION } from "./ids.ts";
import { ListedFactsCache, nowNs } from "./listed-facts.ts";
import { ItemStream, MergedKeys } from "./merged-keys.ts";

/** One list call: its bucket, and when it started (what it reads is at most that old). */
interface ListCall {
  bucket: string;
  bucketPath: string;
  versioned: boolean;
  startNs: bigint;
}

export interface ListVersionsInput {
  bucket: string;
  prefix: string;
  delimiter: string;
  /** Start after this key, or within it after versionIdMarker. */
  keyMarker: string;
  versionIdMarker: string;
  maxKeys: number;
}

export interface ListedVersion {
  key: string;
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  lastModified: Date;
  /** Versions only (0 for delete markers). */
  size: number;
  /** Unquoted; "" for delete markers. */
  etag: string;
}

export interface ListVersionsResult {
  /** Versions and delete markers in S3 order. */
  versions: ListedVersion[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** Where the next page starts (set when truncated). */
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

export class VersionLister {
  /** Parsed, newest-first entries of each cached history directory listing. */
  private readonly parsed = new WeakMap<DirEntry[], HistoryEntry[]>();
  private readonly facts = new ListedFactsCache();
  /** Merged levels of the versions store, by the listing of their k/ (else d/) directory. */
  private readonly levels = new WeakMap<DirEntry[], { other: DirEntry[] | undefined; merged: DirEntry[] }>();
  /** The same for the alternate area's histories. */
  private readonly altLevels = new WeakMap<DirEntry[], { other: DirEntry[] | undefined; merged: Level[] }>();

  constructor(
    private readonly ctx: StoreContext,
    private readonly lister: Lister,
    /** Listings of the versions store's directories (its own cache). */
    private readonly dirs: DirCache,
  ) {}

  async list(input: ListVersionsInput): Promise<ListVersionsResult> {
    const { ctx } = this;
    const startNs = nowNs();
    const bucketPath = ctx.layout.bucket(input.bucket);
    const bst = isValidBucketName(input.bucket)
      ? await ctx.ops.lstat(bucketPath).catch(() => undefined)
      : undefined;
    if (!bst?.isDirectory()) throw new StorageError("NoSuchBucket");
    const versioned = (await ctx.versioning.get(input.bucket)) !== "Unversioned";
    const maxKeys = Math.min(Math.max(0, Math.floor(input.maxKeys)), 1000);
    const result: ListVersionsResult = { versions: [], commonPrefixes: [], isTruncated: false };
    if (maxKeys === 0) return result;
    const call: ListCall = { bucket: input.bucket, bucketPath, versioned, startNs };
    const maxBatch = Math.min(maxKeys + 1, 1000);
    const firstBatch = Math.min(maxBatch, 128);
    const shape = { prefix: input.prefix, delimiter: input.delimiter };
    const keys = new MergedKeys(
      new ItemStream(
        this.lister.source(bucketPath),
        shape,
        input.keyMarker,
        firstBatch,
        maxBatch,
        new AltWalk(bucketAltLevels(this.dirs, bucketPath), input.prefix),
      ),
      new ItemStream(
        this.historySource(input.bucket),
        shape,
        input.keyMarker,
        firstBatch,
        maxBatch,
        new AltWalk(this.altHistoryLevels(input.bucket), input.prefix),
      ),
    );
    let count = 0;
    let lastVersion: string | undefined;
    let lastKey: string | undefined;
    const emit = (entries: ListedVersion[], key: string): boolean => {
      for (const v of entries) {
        if (count === maxKeys) {
          result.isTruncated = true;
          result.nextKeyMarker = lastKey;
          if (lastVersion !== undefined) result.nextVersionIdMarker = lastVersion;
          return false;
        }
        result.versions.push(v);
        count++;
        lastKey = key;
        lastVersion = v.versionId;
      }
      return true;
    };
    // Resuming within the marker key.
    if (input.keyMarker && input.versionIdMarker && input.keyMarker.startsWith(input.prefix)) {
      const marker = input.keyMarker;
      let all = isPlainKey(marker) ? await this.versionsOf(call, marker, true, true) : [];
      if (all.length === 0) all = await this.versionsOf(call, marker, true, true, altDiskKey(marker));
      const at = all.findIndex((v) => v.versionId === input.versionIdMarker);
      const rest =
        at >= 0
          ? all.slice(at + 1)
          : isVersionId(input.versionIdMarker)
            ? all.filter(
                (v) => !v.isLatest && v.versionId !== NULL_VERSION && v.versionId < input.versionIdMarker,
              )
            : [];
      if (!emit(rest, input.keyMarker)) return result;
    }
    // Keys are described ahead of the one being emitted, up to `window` of them at once (on a
    // network filesystem each call is a round trip), never more than the page can still hold.
    const window = ctx.ops.sync ? 1 : 32;
    const ahead: { item: WalkItem; versions?: Promise<ListedVersion[]> }[] = [];
    for (;;) {
      if (count === maxKeys) {
        if (ahead.length > 0 || (await keys.more())) {
          result.isTruncated = true;
          result.nextKeyMarker = lastKey;
          if (lastVersion !== undefined) result.nextVersionIdMarker = lastVersion;
        }
        return result;
      }
      while (ahead.length < Math.min(window, maxKeys - count)) {
        const next = await keys.next();
        if (!next) break;
        const { item, inCurrent, inHistory } = next;
        if (item.kind === "prefix") {
          ahead.push({ item });
          continue;
        }
        const versions = this.versionsOf(call, item.key, inCurrent, inHistory, item.diskKey);
        versions.catch(() => {}); // awaited below, unless the page ends first
        ahead.push({ item, versions });
      }
      const head = ahead.shift();
      if (!head) return result;
      if (!head.versions) {
        result.commonPrefixes.push(head.item.key);
        count++;
        lastKey = head.item.key;
        lastVersion = undefined;
        continue;
      }
      if (!emit(await head.versions, head.item.key)) return result;
    }
  }

  /** A key's versions, newest first: the current file, then the kept entries. */
  private async versionsOf(
    call: ListCall,
    key: string,
    inCurrent: boolean,
    inHistory: boolean,
    /** Where the key lives, when not at its own path (the alternate area). */
    diskKey = key,
  ): Promise<ListedVersion[]> {
    const dir = inHistory && !diskKey.endsWith("/") ? historyDir(this.ctx, call.bucket, diskKey) : undefined;
    const [cur, listing] = await Promise.all([
      inCurrent ? this.describeCurrent(call, key, diskKey).catch(() => undefined) : undefined,
      dir && this.dirs.get(dir),
    ]);
    const out: ListedVersion[] = cur ? [cur] : [];
    if (!dir || !listing) return out;
    const kept = this.historyOf(listing.entries).filter((e) => e.versionId !== cur?.versionId);
    const width = this.ctx.ops.sync ? 1 : 32;
    for (let i = 0; i < kept.length; i += width) {
      const slice = kept.slice(i, i + width);
      const described = await Promise.all(
        slice.map((e) => this.describeKept(call, key, dir, e, diskKey).catch(() => undefined)),
      );
      for (const v of described) if (v) out.push(v);
    }
    const first = out[0];
    // No current file: a marker that is the newest version is the latest (deleted key); a
    // version there means the file was removed through POSIX, and none is latest.
    if (first && !first.isLatest && first.deleteMarker) first.isLatest = true;
    return out;
  }

  private async describeCurrent(
    call: ListCall,
    key: string,
    diskKey: string,
  ): Promise<ListedVersion | undefined> {
    const { ops, describer } = this.ctx;
    const t = { bucketPath: call.bucketPath, key: diskKey };
    if (diskKey.endsWith("/")) {
      const path = `${call.bucketPath}/${key.slice(0, -1)}`;
      const st = await ops.lstat(path);
      const info = st.isDirectory() ? await describer.isMarkedDirectory(path, st, t) : undefined;
      return (
        info && {
          key,
          versionId: NULL_VERSION,
          isLatest: true,
          deleteMarker: false,
          lastModified: info.lastModified,
          size: 0,
          etag: info.etag,
        }
      );
    }
    const path = `${call.bucketPath}/${diskKey}`;
    const st = await ops.lstat(path);
    if (!st.isFile()) return undefined;
    let facts = this.facts.get(path, st);
    if (!facts) {
      const entry = await describer.listEntry(path, st, t, true);
      if (!entry) return undefined;
      facts = { size: entry.size, etag: entry.etag, versionId: entry.versionId ?? NULL_VERSION };
      this.facts.set(path, st, facts, call.startNs);
    }
    return {
      key,
      versionId: call.versioned ? facts.versionId! : NULL_VERSION,
      isLatest: true,
      deleteMarker: false,
      lastModified: mtimeDate(st),
      size: facts.size,
      etag: facts.etag,
    };
  }

  private async describeKept(
    call: ListCall,
    key: string,
    dir: string,
    e: HistoryEntry,
    diskKey: string,
  ): Promise<ListedVersion | undefined> {
    if (e.deleteMarker) {
      return {
        key,
        versionId: e.versionId,
        isLatest: false,
        deleteMarker: true,
        lastModified: markerDate(e),
        size: 0,
        etag: "",
      };
    }
    const path = `${dir}/${e.name}`;
    const st = await this.ctx.ops.lstat(path);
    let facts = this.facts.get(path, st);
    if (!facts) {
      const t = entryTarget(this.ctx, call.bucket, diskKey, e.name);
      const entry = await this.ctx.describer.listEntry(path, st, t);
      if (!entry) return undefined;
      facts = { size: entry.size, etag: entry.etag };
      this.facts.set(path, st, facts, call.startNs);
    }
    return {
      key,
      versionId: e.versionId,
      isLatest: false,
      deleteMarker: false,
      lastModified: mtimeDate(st),
      size: facts.size,
      etag: facts.etag,
    };
  }

  /** A history directory's entries, parsed and newest first, once per listing read. */
  private historyOf(entries: DirEntry[]): HistoryEntry[] {
    let parsed = this.parsed.get(entries);
    if (!parsed) {
      parsed = sortEntries(entries.filter((e) => !e.dir).map((e) => e.name));
      this.parsed.set(entries, parsed);
    }
    return parsed;
  }

  /** One level's k/ and d/ listings as one sorted listing, merged once per pair of listings read. */
  private level(keys: DirEntry[] | undefined, dirs: DirEntry[] | undefined): DirEntry[] {
    const anchor = (keys ?? dirs)!;
    const other = keys ? dirs : undefined;
    const hit = this.levels.get(anchor);
    if (hit && hit.other === other) return hit.merged;
    const merged: DirEntry[] = [];
    for (const e of keys ?? []) if (e.dir) merged.push({ name: e.name, sortKey: e.name, dir: false });
    for (const e of dirs ?? []) if (e.dir) merged.push({ name: e.name, sortKey: `${e.name}/`, dir: true });
    merged.sort((x, y) => compareUtf8(x.sortKey, y.sortKey));
    this.levels.set(anchor, { other, merged });
    return merged;
  }

  /**
   * Histories of the alternate area's keys, as that area's levels: they are kept under the
   * disk key's path (`d/.s3dir/d/keys/d/<chunk>/…/k/k<rest>/`).
   */
  private altHistoryLevels(bucket: string): LevelReader {
    const base = `${versionsRoot(this.ctx, bucket)}/${DIRS}/${RESERVED}/${DIRS}/keys`;
    return async (rel) => {
      let path = base;
      if (rel) for (const c of rel.slice(0, -1).split("/")) path += `/${DIRS}/${c}`;
      const [keys, dirs] = await Promise.all([
        this.dirs.get(`${path}/${KEYS}`),
        this.dirs.get(`${path}/${DIRS}`),
      ]);
      if (!keys && !dirs) return undefined;
      const anchor = (keys ?? dirs)!.entries;
      const other = keys ? dirs?.entries : undefined;
      const hit = this.altLevels.get(anchor);
      if (hit && hit.other === other) return hit.merged;
      const merged: Level[] = [];
      for (const e of keys?.entries ?? [])
        if (e.dir && isLeafName(e.name)) merged.push({ part: e.name.slice(1), dir: false, name: e.name });
      for (const e of dirs?.entries ?? [])
        if (e.dir && isChunkName(e.name)) merged.push({ part: e.name, dir: true, name: e.name });
      this.altLevels.set(anchor, { other, merged: sortLevels(merged) });
      return merged;
    };
  }

  /** The versions store as a tree of keys: names in k/ are keys, names in d/ prefixes. */
  private historySource(bucket: string): WalkSource {
    const root = versionsRoot(this.ctx, bucket);
    const levelOf = (rel: string) => {
      let path = root;
      if (rel) for (const s of rel.slice(0, -1).split("/")) path += `/${DIRS}/${s}`;
      return path;
    };
    return {
      listing: async (rel) => {
        const level = levelOf(rel);
        const [keys, dirs] = await Promise.all([
          this.dirs.get(`${level}/${KEYS}`),
          this.dirs.get(`${level}/${DIRS}`),
        ]);
        if (!keys && !dirs) return undefined;
        return {
          st: (keys ?? dirs)!.st,
          entries: this.level(keys?.entries, dirs?.entries),
        } satisfies DirListing;
      },
      isMarked: async () => false,
    };
  }
}
