/**
 * The other half of S3's rule for reads of a key that does not exist (handlers/get-object.ts has
 * the first): a caller refused s3:GetObject who may list the bucket (a bucket ACL's READ, a
 * policy's s3:ListBucket) learns nothing new from 404 NoSuchKey, and S3 answers it so. Asked only
 * after a refusal, so a granted read costs nothing.
 */
import { isStorageError, type ObjectStore } from "../storage/index.ts";

const reads = new Set(["GetObject", "HeadObject"]);

/** The NoSuchKey to answer instead of a refusal of this read, or undefined to keep the refusal. */
export async function missingKeyForLister(
  operation: string,
  target: { bucket: string; key: string; query: { has(name: string): boolean } },
  store: ObjectStore,
  mayList: () => Promise<void>,
): Promise<unknown> {
  if (!reads.has(operation) || !target.key || target.query.has("versionId")) return undefined;
  const missing = await store.headObject(target.bucket, target.key).then(
    () => undefined,
    (e: unknown) => (isStorageError(e) && e.code === "NoSuchKey" && e.version === undefined ? e : undefined),
  );
  if (!missing) return undefined;
  return await mayList().then(
    () => missing,
    () => undefined,
  );
}
