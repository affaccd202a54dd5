/**
 * Recounting a bucket's real bytes: every regular file of the bucket directory (objects,
 * whoever wrote them, S3 or POSIX), its noncurrent versions and the parts of its open
 * multipart uploads (in the bucket's state). Symlinks are not followed and count nothing.
 * The walk is paced: it yields to the event loop after every PACE_ENTRIES entries, so a
 * large bucket's recount does not stall requests.
 */
import { type FsOps, fsOps } from "../../runtime/fs-ops.ts";
import type { Layout } from "../layout/paths.ts";
import { VERSIONS_DIR } from "../versions/history.ts";

const PACE_ENTRIES = 500;
const PACE_MS = 2;

export async function recountBucket(layout: Layout, bucket: string): Promise<number> {
  // Always off the event loop: a recount reads many directories.
  const ops = fsOps(false);
  const walk = { entries: 0, bytes: 0 };
  await sumTree(ops, layout.bucket(bucket), walk);
  for (const sub of [VERSIONS_DIR, "uploads", "completing"]) {
    await sumTree(ops, layout.reserved(bucket, sub), walk);
  }
  return walk.bytes;
}

async function sumTree(ops: FsOps, dir: string, walk: { entries: number; bytes: number }): Promise<void> {
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop()!;
    const entries = await ops.readdir(current).catch(() => []);
    for (const d of entries) {
      if (++walk.entries % PACE_ENTRIES === 0) await new Promise((r) => setTimeout(r, PACE_MS));
      const path = `${current}/${d.name}`;
      if (d.isDirectory()) stack.push(path);
      else if (d.isFile()) {
        const st = await ops.lstat(path).catch(() => undefined);
        if (st?.isFile()) walk.bytes += Number(st.size);
      }
    }
  }
}
