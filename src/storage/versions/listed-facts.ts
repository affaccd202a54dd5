/**
 * What a version listing shows of a file version (size, ETag, and for a key's current file its
 * version id), remembered per path so that listings read a version's metadata record (an xattr
 * read, the costliest call of a listing) once, not on every page. The lstat of the file stays:
 * a remembered answer is reused only while the inode it was read from is unchanged, that is the
 * same inode, size, mtime and ctime (ctime moves with any write, xattr change or new link of the
 * inode, through any of its names: a file changed in place through POSIX, or a kept version's
 * bytes changed through a hard link a POSIX user kept, is seen at once), and only if it was read
 * at least TRUST_NS after that ctime: a coarse filesystem clock can leave a change made within
 * the same tick with the same ctime (as in ../objects/dir-cache.ts). An inode number reused by
 * a new file comes with a new ctime.
 * Bounded by entries, least recently used first out.
 */
import type { BigStats } from "../../runtime/fs-ops.ts";

export interface ListedFacts {
  size: number;
  /** Unquoted. */
  etag: string;
  /** The version id the file's record gives (current files only). */
  versionId?: string;
}

interface Remembered extends ListedFacts {
  ino: bigint;
  bytes: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

const TRUST_NS = 1_000_000_000n;

export const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

export class ListedFactsCache {
  private readonly map = new Map<string, Remembered>();

  constructor(private readonly max = 100_000) {}

  /** The facts remembered for the file at path, when its inode (lstat st) is unchanged. */
  get(path: string, st: BigStats): ListedFacts | undefined {
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
   * Remembers what was read of the file at path (lstat st), readAtNs being a time taken before
   * that lstat; too recent a ctime is not trusted.
   */
  set(path: string, st: BigStats, facts: ListedFacts, readAtNs: bigint): void {
    if (readAtNs - st.ctimeNs < TRUST_NS) return;
    this.map.delete(path);
    this.map.set(path, {
      ...facts,
      ino: st.ino,
      bytes: st.size,
      mtimeNs: st.mtimeNs,
      ctimeNs: st.ctimeNs,
    });
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}
