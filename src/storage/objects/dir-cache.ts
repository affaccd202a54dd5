/**
 * Sorted directory listings, cached per directory and revalidated by one lstat: a cached
 * listing is reused only while the directory's inode and mtime are unchanged AND the
 * listing was read at least TRUST_NS after that mtime. Filesystem timestamps can be coarse
 * (or come from another host's clock), so a directory changed within the same tick as our
 * read could keep its mtime; such listings are re-read every time until they age.
 *
 * Entries are sorted in S3 order: UTF-8 bytes of the name, with a directory sorting as
 * "name/" (so `a+b < a/ < a0`). Symlinks, sockets, FIFOs and devices are not objects and
 * never appear. The cache is bounded by total entries (LRU by directory).
 *
 * A directory the server's user may not read (EACCES, EPERM: a POSIX user's chmod) lists as
 * missing, so that one such directory does not fail listings of the whole bucket; it is
 * reported once through onDenied, again only after it was readable in between.
 */
import type { Dirent } from "node:fs";
import { type BigStats, errCode, type FsOps } from "../../runtime/fs-ops.ts";
import { compareUtf8 } from "../layout/keys.ts";

export interface DirEntry {
  name: string;
  /** name for files, name + "/" for directories. */
  sortKey: string;
  dir: boolean;
}

export interface DirListing {
  st: BigStats;
  entries: DirEntry[];
}

interface Cached extends DirListing {
  readAtNs: bigint;
}

const TRUST_NS = 1_000_000_000n;
const MAX_DENIED = 10_000;

export function isPermissionError(e: unknown): boolean {
  const code = errCode(e);
  return code === "EACCES" || code === "EPERM";
}

export class DirCache {
  private readonly cache = new Map<string, Cached>();
  private total = 0;
  /** Directories already reported as unreadable. */
  private readonly denied = new Set<string>();

  constructor(
    private readonly ops: FsOps,
    private readonly maxEntries = 1_000_000,
    private readonly onDenied: (path: string, error: unknown) => void = () => {},
  ) {}

  /**
   * The sorted listing of a directory, or undefined when it is missing, not a directory, or
   * not readable by the server.
   */
  async get(path: string): Promise<DirListing | undefined> {
    try {
      const listing = await this.read(path);
      if (this.denied.size > 0) this.denied.delete(path);
      return listing;
    } catch (e) {
      if (!isPermissionError(e)) throw e;
      if (!this.denied.has(path)) {
        if (this.denied.size >= MAX_DENIED) this.denied.clear();
        this.denied.add(path);
        this.onDenied(path, e);
      }
      return undefined;
    }
  }

  private async read(path: string): Promise<DirListing | undefined> {
    let st: BigStats;
    try {
      st = await this.ops.lstat(path);
    } catch (e) {
      const code = errCode(e);
      if (code === "ENOENT" || code === "ENOTDIR" || code === "ESTALE") return undefined;
      throw e;
    }
    if (!st.isDirectory()) return undefined;
    const hit = this.cache.get(path);
    if (
      hit &&
      hit.st.ino === st.ino &&
      hit.st.mtimeNs === st.mtimeNs &&
      hit.readAtNs - st.mtimeNs >= TRUST_NS
    ) {
      this.cache.delete(path);
      this.cache.set(path, hit);
      return { st, entries: hit.entries };
    }
    const readAtNs = BigInt(Date.now()) * 1_000_000n;
    let dirents: Dirent[];
    try {
      dirents = await this.ops.readdir(path);
    } catch (e) {
      const code = errCode(e);
      if (code === "ENOENT" || code === "ENOTDIR" || code === "ESTALE") return undefined;
      throw e;
    }
    const entries = await this.classify(path, dirents);
    entries.sort((a, b) => compareUtf8(a.sortKey, b.sortKey));
    this.store(path, { st, entries, readAtNs });
    return { st, entries };
  }

  private async classify(path: string, dirents: Dirent[]): Promise<DirEntry[]> {
    const out: DirEntry[] = [];
    for (const d of dirents) {
      let file = d.isFile();
      let dir = d.isDirectory();
      if (!file && !dir && !d.isSymbolicLink() && !d.isSocket() && !d.isFIFO() && !d.isBlockDevice()) {
        // DT_UNKNOWN (some network filesystems): ask.
        const st = await this.ops.lstat(`${path}/${d.name}`).catch(() => undefined);
        file = !!st?.isFile();
        dir = !!st?.isDirectory();
      }
      if (file) out.push({ name: d.name, sortKey: d.name, dir: false });
      else if (dir) out.push({ name: d.name, sortKey: `${d.name}/`, dir: true });
    }
    return out;
  }

  private store(path: string, c: Cached): void {
    const old = this.cache.get(path);
    if (old) {
      this.total -= old.entries.length;
      this.cache.delete(path);
    }
    this.cache.set(path, c);
    this.total += c.entries.length;
    for (const [p, v] of this.cache) {
      if (this.total <= this.maxEntries || p === path) break;
      this.cache.delete(p);
      this.total -= v.entries.length;
    }
  }
}

/**
 * First index whose sortKey is >= target ("gte"), > target ("gt"), or > target and not
 * starting with it ("past", to skip a whole consumed prefix in one search).
 */
export function searchEntries(entries: DirEntry[], target: string, mode: "gte" | "gt" | "past"): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const key = entries[mid]!.sortKey;
    const c = compareUtf8(key, target);
    const before = c < 0 || (c === 0 && mode !== "gte") || (mode === "past" && key.startsWith(target));
    if (before) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
