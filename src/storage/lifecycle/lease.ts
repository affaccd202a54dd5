/**
 * One host works a bucket's lifecycle at a time: it holds an flock on
 * `<root>/.s3dir/buckets/<bucket>/lifecycle/lease` for as long as it works the bucket. flock is
 * cluster-wide on the filesystems we support and freed when the holder or its host dies, so
 * another host takes the bucket over on its next try. The file itself is never removed (a
 * removed lock file would let two holders lock two different inodes).
 */
import { tryLockExclusive } from "../../runtime/file-lock.ts";
import { O_CREAT, O_NOFOLLOW, O_RDWR } from "../../runtime/fs-ops.ts";
import type { StoreContext } from "../context.ts";
import { mkdirs } from "../layout/mkdirs.ts";

export function lifecycleDir(ctx: StoreContext, bucket: string): string {
  return ctx.layout.reserved(bucket, "lifecycle");
}

/** Takes the bucket's lease without waiting; its release, or undefined when another holder has it. */
export async function tryBucketLease(
  ctx: StoreContext,
  bucket: string,
): Promise<(() => Promise<void>) | undefined> {
  const dir = lifecycleDir(ctx, bucket);
  await mkdirs(ctx.ops, dir, 0o700);
  const fd = await ctx.ops.open(`${dir}/lease`, O_RDWR | O_CREAT | O_NOFOLLOW, 0o600);
  let locked = false;
  try {
    locked = tryLockExclusive(fd);
  } catch {
    // No flock on this filesystem: no host can be sure to be alone, so none works the bucket.
  }
  if (!locked) {
    await ctx.ops.close(fd).catch(() => {});
    return undefined;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await ctx.ops.close(fd).catch(() => {});
  };
}
