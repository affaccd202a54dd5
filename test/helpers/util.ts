/** Small utilities shared by the integration tests. */
import { existsSync, lstatSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

let counter = 0;

/** The server's state directory of a bucket (settings, tmp, uploads, serve…) under root. */
export function bucketState(root: string, bucket: string, ...sub: string[]): string {
  return join(root, ".s3dir", "buckets", bucket, ...sub);
}

/** A valid, unique bucket name: `prefix-<random>-<n>`. */
export function uniqueBucket(prefix = "b"): string {
  counter++;
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}-${counter}`.toLowerCase();
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function bytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Polls `check` until it returns true or the time is up; returns the last result. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  stepMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await Bun.sleep(stepMs);
  }
}

/**
 * Every path (files, directories, symlinks) below `dir`, relative to it, sorted; [] when
 * missing. Entries the server removes while the walk runs (temp files) are left out.
 */
export function walk(dir: string, maxEntries = 100_000): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const stack = [dir];
  while (stack.length > 0 && out.length < maxEntries) {
    const current = stack.pop()!;
    let names: string[];
    try {
      names = readdirSync(current);
    } catch {
      continue;
    }
    for (const name of names) {
      const full = join(current, name);
      const st = lstatSync(full, { throwIfNoEntry: false });
      if (!st) continue;
      out.push(relative(dir, full));
      if (st.isDirectory()) stack.push(full);
    }
  }
  return out.sort();
}

/** Compares two strings by their UTF-8 bytes, the order S3 lists keys in. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export const sortedUtf8 = (keys: string[]) => [...keys].sort(compareUtf8);

/** read() once it has stopped changing for 150 ms (log lines of requests already answered arrive late). */
export async function settled(read: () => number): Promise<number> {
  let count = read();
  for (;;) {
    await Bun.sleep(150);
    const now = read();
    if (now === count) return count;
    count = now;
  }
}
