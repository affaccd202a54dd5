import { stat } from "node:fs/promises";

const revalidateMs = 1000;

/**
 * A cache of values parsed from files: each file is stat'ed at most once a second and re-read
 * only when its inode, mtime or size changed, so an edit made on another host or by the CLI is
 * seen within about a second. A missing file caches as undefined.
 */
export function createStampedCache<T>(
  read: (file: string) => Promise<T | undefined>,
  now: () => number = Date.now,
  maxEntries = 10_000,
) {
  const cache = new Map<string, { value: T | undefined; stamp: string; checkedAt: number }>();

  async function stampOf(file: string): Promise<string> {
    const s = await stat(file, { bigint: true }).catch(() => undefined);
    return s ? `${s.ino}:${s.mtimeNs}:${s.size}` : "";
  }

  return async function get(file: string): Promise<T | undefined> {
    const cached = cache.get(file);
    const t = now();
    if (cached && t - cached.checkedAt < revalidateMs) return cached.value;
    const stamp = await stampOf(file);
    if (cached && cached.stamp === stamp) {
      cached.checkedAt = t;
      return cached.value;
    }
    const value = stamp ? await read(file) : undefined;
    if (cache.size >= maxEntries) cache.clear();
    cache.set(file, { value, stamp, checkedAt: t });
    return value;
  };
}
