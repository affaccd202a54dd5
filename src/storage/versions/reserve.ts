/**
 * The version id a write will publish under, chosen before the write's work starts: a
 * CompleteMultipartUpload that answers with keep-alive spaces sends its headers, and with them
 * x-amz-version-id, long before the object is published. The write passes the id on
 * (FinishedTemp.versionId) and publish.ts files the new version under exactly that id.
 *
 * The id is taken above the key's current version, as any versioned write's is. A write that
 * lands on the key while the work runs and gets a higher id (it started later) stays current,
 * as in S3 where the request with the latest timestamp wins; the reserved version is then kept
 * as a noncurrent version in its place by id (publish.ts).
 */
import type { StoreContext } from "../context.ts";
import { isDirectoryKey } from "../layout/keys.ts";
import { openCurrent } from "./current.ts";
import { NULL_VERSION, newVersionId } from "./ids.ts";

/** Undefined for unversioned buckets and directory objects (which carry no version id). */
export async function reserveVersionId(
  ctx: StoreContext,
  bucket: string,
  key: string,
): Promise<string | undefined> {
  if (isDirectoryKey(key)) return undefined;
  const state = await ctx.versioning.get(bucket);
  if (state === "Unversioned") return undefined;
  if (state === "Suspended") return NULL_VERSION;
  const current = await openCurrent(ctx, bucket, key);
  if (!current) return newVersionId();
  try {
    return newVersionId(current.versionId);
  } finally {
    await ctx.ops.close(current.fd);
  }
}
