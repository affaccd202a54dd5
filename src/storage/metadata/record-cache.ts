/**
 * A per-host cache of metadata records (decoded from their xattr values) keyed by the file's (dev, ino) and valid while the
 * file's ctime and size are unchanged, so a warm GET or HEAD needs no getxattr: the fstat that
 * the read does anyway validates the entry.
 *
 * Why ctime is enough: the kernel moves a file's ctime on every data write, truncate, chmod,
 * link count change and xattr change, on this host or any other (POSIX users, NFS, SMB), so a
 * changed record always comes with a changed ctime. Two changes within one timestamp tick
 * cannot be told apart, though: ext4, xfs and tmpfs store nanoseconds but may take the time
 * from a clock that ticks every few milliseconds, and a distributed filesystem may stamp
 * ctimes with another host's clock. So an entry is only made for a file whose ctime is at least
 * `settleMs` in the past: any later change gets a later ctime than the one cached.
 */
import type { BigStats } from "../../runtime/fs-ops.ts";

interface Entry<V> {
  dev: bigint;
  ctimeNs: bigint;
  size: bigint;
  value: V;
}

export interface RecordCacheOptions {
  /** Entries kept at most; the oldest made goes first. Default 20,000 (a few MiB). */
  maxEntries?: number;
  /** How far in the past a ctime must be for its record to be cached. */
  settleMs: number;
  now?: () => number;
}

/**
 * Entries are keyed by inode alone and carry their device: a string of both per look-up cost ten
 * times the look-up. Two files of one root with the same inode on different devices (a mount
 * inside a bucket) take turns in one slot: each is a miss for the other, never a wrong hit.
 */
export class RecordCache<V> {
  private readonly entries = new Map<bigint, Entry<V>>();
  private readonly maxEntries: number;
  private readonly settleNs: bigint;
  private readonly now: () => number;

  constructor(options: RecordCacheOptions) {
    this.maxEntries = options.maxEntries ?? 20_000;
    this.settleNs = BigInt(Math.round(options.settleMs * 1e6));
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached value for this very file version, or undefined. */
  get(st: BigStats): V | undefined {
    const e = this.entries.get(st.ino);
    if (!e) return undefined;
    if (e.dev === st.dev && e.ctimeNs === st.ctimeNs && e.size === st.size) return e.value;
    this.entries.delete(st.ino);
    return undefined;
  }

  /** Remembers the value read after st was taken, when st's ctime has settled. */
  set(st: BigStats, value: V): void {
    if (BigInt(this.now()) * 1_000_000n - st.ctimeNs < this.settleNs) return;
    const id = st.ino;
    this.entries.delete(id);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(id, { dev: st.dev, ctimeNs: st.ctimeNs, size: st.size, value });
  }
}
