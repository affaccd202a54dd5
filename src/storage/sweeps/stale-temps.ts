/**
 * Startup cleanup: temp files left in `<bucket>/.s3dir/tmp/` by crashed writers (> 1 day old),
 * and serving links in `<bucket>/.s3dir/serve/` that no host removed (linked > 1 minute ago).
 * Temp files that name their writer go much sooner, once it is dead (dead-writers.ts); the age
 * rule is for names that do not (older versions) and filesystems without flock.
 */
import { lstat, readdir, unlink } from "node:fs/promises";
import { isValidBucketName } from "../layout/keys.ts";
import type { Layout } from "../layout/paths.ts";
import { SERVE_DIR } from "../objects/reader.ts";

export const STALE_TEMP_MS = 24 * 3600 * 1000;
const STALE_LINK_MS = 60 * 1000;

export async function cleanStaleTemps(layout: Layout, now = Date.now()): Promise<number> {
  let removed = 0;
  const names = (await readdir(layout.root, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && isValidBucketName(d.name))
    .map((d) => d.name);
  for (const name of [...names, ...layout.boundNames()]) {
    for (const [sub, age, maxAge] of [
      ["tmp", "mtimeMs", STALE_TEMP_MS],
      [SERVE_DIR, "ctimeMs", STALE_LINK_MS],
    ] as const) {
      removed += await removeOlder(layout.reserved(name, sub), age, maxAge, now);
    }
  }
  return removed;
}

/** Serving links of a bucket linked over a minute ago: their host died before removing them. */
export function removeStaleServeLinks(layout: Layout, bucket: string, now = Date.now()): Promise<number> {
  return removeOlder(layout.reserved(bucket, SERVE_DIR), "ctimeMs", STALE_LINK_MS, now);
}

async function removeOlder(
  dir: string,
  age: "mtimeMs" | "ctimeMs",
  maxAge: number,
  now: number,
): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = `${dir}/${name}`;
    const st = await lstat(path).catch(() => undefined);
    if (!st?.isFile() || now - st[age] <= maxAge) continue;
    if (
      await unlink(path).then(
        () => true,
        () => false,
      )
    )
      removed++;
  }
  return removed;
}
