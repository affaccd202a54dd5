/** Startup cleanup: temp files left in `<bucket>/.s3dir/tmp/` by crashed writers (> 1 day old). */
import { lstat, readdir, unlink } from "node:fs/promises";
import { isValidBucketName } from "./keys.ts";
import type { Layout } from "./paths.ts";

export const STALE_TEMP_MS = 24 * 3600 * 1000;

export async function cleanStaleTemps(layout: Layout, now = Date.now()): Promise<number> {
  let removed = 0;
  for (const d of await readdir(layout.root, { withFileTypes: true })) {
    if (!d.isDirectory() || !isValidBucketName(d.name)) continue;
    const dir = layout.reserved(d.name, "tmp");
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const path = `${dir}/${name}`;
      const st = await lstat(path).catch(() => undefined);
      if (st?.isFile() && now - st.mtimeMs > STALE_TEMP_MS) {
        if (
          await unlink(path)
            .then(() => true)
            .catch(() => false)
        )
          removed++;
      }
    }
  }
  return removed;
}
