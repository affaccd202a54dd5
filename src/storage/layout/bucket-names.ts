import type { FsOps } from "../../runtime/fs-ops.ts";
import { isValidBucketName } from "./keys.ts";
import type { Layout } from "./paths.ts";

/** Every bucket's name, for the sweeps: the root's top-level directories, then the bound buckets. */
export async function bucketNames(ops: FsOps, layout: Layout): Promise<string[]> {
  const names: string[] = [];
  for (const d of await ops.readdir(layout.root))
    if (d.isDirectory() && isValidBucketName(d.name)) names.push(d.name);
  return [...names, ...layout.boundNames()];
}
