/** Test data for the HTTP cases: object bodies, presigned request targets, and files to GET. */
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { presignUrl } from "../../src/lib/presign.ts";
import { benchCredentials } from "./servers.ts";

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** Writes `size` bytes of incompressible data to `path`, 1 MiB at a time (never the whole file in memory). */
export function writeRandomFile(path: string, size: number): void {
  const block = randomBytes(Math.min(size, MiB));
  const fd = openSync(path, "w");
  try {
    for (let written = 0; written < size; ) {
      const n = Math.min(block.length, size - written);
      written += writeSync(fd, block, 0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/** Key names `${prefix}-00000` … for `count` objects. */
export function keyNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, "0")}`);
}

/** A presigned URL for one request to s3dir at `origin` (valid for an hour). */
export async function presign(
  method: string,
  origin: string,
  path: string,
  headers?: Record<string, string>,
): Promise<string> {
  return await presignUrl({
    method,
    url: `${origin}${path}`,
    accessKeyId: benchCredentials.accessKeyId,
    secretAccessKey: benchCredentials.secretAccessKey,
    region: benchCredentials.region,
    expiresSeconds: 3600,
    headers,
  });
}

/**
 * Presigns `method` for each key and writes the request targets ("/bucket/key?X-Amz-…") to a
 * file, one a line; `headers` are signed too (the requests must then send them).
 */
export async function writeTargets(
  file: string,
  method: string,
  origin: string,
  bucket: string,
  keys: string[],
  headers?: Record<string, string>,
): Promise<void> {
  const lines: string[] = [];
  for (const key of keys) {
    const url = new URL(await presign(method, origin, `/${bucket}/${encodeURIComponent(key)}`, headers));
    lines.push(`${url.pathname}${url.search}`);
  }
  await Bun.write(file, `${lines.join("\n")}\n`);
}

/** Creates a bucket the POSIX way: a top-level directory of the root. */
export function makeBucket(root: string, bucket: string): string {
  const dir = join(root, bucket);
  mkdirSync(dir, { recursive: true });
  return dir;
}
