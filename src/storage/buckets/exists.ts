import type { StoreContext } from "../context.ts";
import { StorageError } from "../errors.ts";
import { isValidBucketName } from "../layout/keys.ts";

/** Throws NoSuchBucket unless bucket is a valid name whose directory exists (never a symlink). */
export async function requireBucket(
  ctx: Pick<StoreContext, "ops" | "layout">,
  bucket: string,
): Promise<void> {
  const st = isValidBucketName(bucket)
    ? await ctx.ops.lstat(ctx.layout.bucket(bucket)).catch(() => undefined)
    : undefined;
  if (!st?.isDirectory()) throw new StorageError("NoSuchBucket");
}
