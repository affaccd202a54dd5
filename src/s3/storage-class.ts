import { S3Error } from "./errors.ts";

/** The storage classes S3 names for an object; s3dir stores every object in one, STANDARD. */
const knownStorageClasses = new Set([
  "STANDARD",
  "REDUCED_REDUNDANCY",
  "STANDARD_IA",
  "ONEZONE_IA",
  "INTELLIGENT_TIERING",
  "GLACIER",
  "DEEP_ARCHIVE",
  "OUTPOSTS",
  "GLACIER_IR",
  "SNOW",
  "EXPRESS_ONEZONE",
  "FSX_OPENZFS",
  "FSX_ONTAP",
]);

/**
 * Refuses an `x-amz-storage-class` that names no storage class, as S3 does. A known one is taken
 * and ignored (docs/compatibility.md: one storage class).
 */
export function checkStorageClass(headers: Headers): void {
  const requested = headers.get("x-amz-storage-class");
  if (requested === null || knownStorageClasses.has(requested)) return;
  throw new S3Error("InvalidStorageClass", "The storage class you specified is not valid", {
    StorageClassRequested: requested,
  });
}
