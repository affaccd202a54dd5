/**
 * What a listing shows of a kept version (size, ETag), remembered per entry path so that a
 * listing reads a version's metadata record (an xattr read, the costliest call of a listing)
 * once, not on every page. The lstat of the entry stays: a remembered answer is reused only
 * while the inode it was read from is unchanged, that is the same inode, size, mtime and ctime
 * (ctime moves with any write, xattr change or new link of the inode, through any of its names,
 * so a version's bytes changed through a hard link a POSIX user kept are seen at once), and
 * only if it was read at least TRUST_NS after that ctime: a coarse filesystem clock can leave
 * a change made within the same tick with the same ctime (as in ../objects/dir-cache.ts).
 * Bounded by entries, least recently used first out.
 */
import type { BigStats } from "../../runtime/fs-ops.ts";

export interface KeptFacts {
  size: number;
  /** Unquoted. */
  etag: string;
}

interface Remembered extends KeptFacts {
  ino: bigint;
  bytes: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

const TRUST_NS = 1_000_000_000n;

export const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

export class KeptFactsCache {
  private readonly map = new Map<string, Remembered>();

  constructor(private readonly max = 50_000) {}

  /** The facts remembered for the entry at path, when its inode (lstat st) is unchanged. */
  get(path: string, st: BigStats): KeptFacts | undefined {
    const hit = this.map.get(path);
    if (!hit) return undefined;
    if (
      hit.ino !== st.ino ||
      hit.bytes !== st.size ||
      hit.mtimeNs !== st.mtimeNs ||
      hit.ctimeNs !== st.ctimeNs
    ) {
      this.map.delete(path);
      return undefined;
    }
    this.map.delete(path);
    this.map.set(path, hit);
    return hit;
  }

  /**
   * Remembers what was read of the entry at path (lstat st), readAtNs being the time taken
   * before its record was read; too recent a ctime is not trusted.
   */
  set(path: string, st: BigStats, facts: KeptFacts, readAtNs: bigint): void {
    if (readAtNs - st.ctimeNs < TRUST_NS) return;
    this.map.delete(path);
    this.map.set(path, {
      size: facts.size,
      etag: facts.etag,
      ino: st.ino,
      bytes: st.size,
      mtimeNs: st.mtimeNs,
      ctimeNs: st.ctimeNs,
    });
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}
