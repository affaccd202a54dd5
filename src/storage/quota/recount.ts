/**
 * Recounting a bucket's real bytes: every regular file of the bucket directory (objects,
 * whoever wrote them, S3 or POSIX), its noncurrent versions and the parts of its open
 * multipart uploads (in the bucket's state). Symlinks are not followed and count nothing.
 *
 * The walk goes in slices of at most `maxEntries` entries, in a fixed order (the trees below,
 * each depth first by name), and stops after a file: the cursor (tree, path of that file) is
 * kept in the ledger (gate.ts), so any host resumes where the last slice ended and a huge
 * bucket is never walked whole in one go. It is paced: it yields to the event loop after every
 * PACE_ENTRIES entries, so a recount does not stall requests.
 */
import type { Dirent } from "node:fs";
import { type FsOps, fsOps } from "../../runtime/fs-ops.ts";
import type { Layout } from "../layout/paths.ts";
import { VERSIONS_DIR } from "../versions/history.ts";

const PACE_ENTRIES = 500;
const PACE_MS = 2;

/** Where a recount stands: the tree it is in and the path (in that tree) of the last file done. */
export interface RecountCursor {
  tree: number;
  after: string;
}

function trees(layout: Layout, bucket: string): string[] {
  return [
    layout.bucket(bucket),
    ...[VERSIONS_DIR, "uploads", "completing"].map((sub) => layout.reserved(bucket, sub)),
  ];
}

/** Counts from `from` on; `next` is where the next slice starts, undefined once all is counted. */
export async function recountSlice(
  layout: Layout,
  bucket: string,
  from: RecountCursor,
  maxEntries: number,
): Promise<{ bytes: number; next: RecountCursor | undefined }> {
  // Always off the event loop: a recount reads many directories.
  const ops = fsOps(false);
  const walk = { entries: 0, bytes: 0 };
  const roots = trees(layout, bucket);
  for (let tree = from.tree; tree < roots.length; tree++) {
    const after = tree === from.tree && from.after ? from.after.split("/") : [];
    for await (const rel of files(ops, roots[tree]!, "", after, walk)) {
      if (walk.entries >= maxEntries) return { bytes: walk.bytes, next: { tree, after: rel } };
    }
  }
  return { bytes: walk.bytes, next: undefined };
}

const byName = (a: Dirent, b: Dirent) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Yields the relative path of each file after it is counted, skipping what `after` says is done. */
async function* files(
  ops: FsOps,
  dir: string,
  prefix: string,
  after: string[],
  walk: { entries: number; bytes: number },
): AsyncGenerator<string> {
  const entries = (await ops.readdir(dir).catch(() => [] as Dirent[])).sort(byName);
  const [first, ...rest] = after;
  for (const d of entries) {
    if (first !== undefined && (d.name < first || (d.name === first && rest.length === 0))) continue;
    const resume = first !== undefined && d.name === first ? rest : [];
    if (++walk.entries % PACE_ENTRIES === 0) await new Promise((r) => setTimeout(r, PACE_MS));
    const path = `${dir}/${d.name}`;
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    if (d.isDirectory()) yield* files(ops, path, rel, resume, walk);
    else if (d.isFile()) {
      const st = await ops.lstat(path).catch(() => undefined);
      if (st?.isFile()) walk.bytes += Number(st.size);
      yield rel;
    }
  }
}
