import type { QueryView } from "../lib/parsed-query.ts";
import { isStorageError, type StorageErrorCode, storageErrorOf } from "../storage/index.ts";
import { S3Error, type S3ErrorCode } from "./errors.ts";
import { lockS3Error } from "./lock-errors.ts";
import { versionS3Error } from "./version-errors.ts";

/** The one table that turns storage conditions into S3 errors. */
const s3CodeOf: Record<StorageErrorCode, [S3ErrorCode, string?]> = {
  NoSuchBucket: ["NoSuchBucket"],
  NoSuchKey: ["NoSuchKey"],
  BucketExists: ["BucketAlreadyOwnedByYou"],
  BucketNotEmpty: ["BucketNotEmpty"],
  InvalidBucketName: ["InvalidBucketName"],
  InvalidKey: ["InvalidArgument", "Object key is not valid: '.' or '..' segments and NUL are not allowed."],
  KeyTooLong: ["KeyTooLongError"],
  ParentIsObject: ["KeyConflict", "An object exists at a parent path of this key."],
  KeyIsPrefix: ["KeyConflict", "Objects exist below this key used as a prefix."],
  PreconditionFailed: ["PreconditionFailed"],
  ConditionalConflict: [
    "ConditionalRequestConflict",
    "A conflicting operation occurred. If using PutObject you can retry the request.",
  ],
  BadDigest: ["BadDigest"],
  Sha256Mismatch: ["XAmzContentSHA256Mismatch"],
  ChecksumMismatch: ["BadDigest", "The checksum you specified did not match the calculated checksum."],
  IncompleteBody: [
    "IncompleteBody",
    "You did not provide the number of bytes specified by the Content-Length HTTP header.",
  ],
  TooLarge: ["EntityTooLarge", "Your proposed upload exceeds the maximum allowed size."],
  MetadataTooLarge: ["MetadataTooLarge"],
  InvalidRange: ["InvalidRange"],
  DirectoryObjectNotEmpty: [
    "InvalidRequest",
    "An object whose key ends in '/' is a directory and must be empty.",
  ],
  NoSuchUpload: [
    "NoSuchUpload",
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
  ],
  InvalidPart: [
    "InvalidPart",
    "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
  ],
  InvalidPartOrder: [
    "InvalidPartOrder",
    "The list of parts was not in ascending order. Parts must be ordered by part number.",
  ],
  EntityTooSmall: ["EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size."],
  InvalidRequest: ["InvalidRequest"],
  SseKeyMismatch: ["AccessDenied"],
  SseUnreadable: ["InternalError"],
  KmsNotFound: ["KMS.NotFoundException"],
  KmsDisabled: ["KMS.DisabledException"],
  AccessDenied: ["AccessDenied"],
  StorageFull: ["StorageFull"],
  IoError: ["InternalError"],
  ChownNotPermitted: ["InternalError"],
  QuotaExceeded: ["QuotaExceeded"],
};

/** The element that names what was missing, as S3 puts it in the error body. */
function detailsFor(
  code: S3ErrorCode,
  target?: { bucket: string; key: string; query?: QueryView },
): Record<string, string> {
  if (!target) return {};
  if (code === "NoSuchBucket" || code === "BucketNotEmpty" || code === "BucketAlreadyOwnedByYou") {
    return { BucketName: target.bucket };
  }
  if (code === "NoSuchKey" && target.key) return { Key: target.key };
  if (code === "NoSuchUpload") {
    const uploadId = target.query?.get("uploadId");
    if (uploadId) return { UploadId: uploadId };
  }
  return {};
}

/**
 * Converts a StorageError, or a file-system error every operation may meet (permission denied,
 * full or failing disk), to its S3Error; returns other errors unchanged.
 */
export function toS3Error(
  caught: unknown,
  target?: { bucket: string; key: string; query?: QueryView; method?: string },
): unknown {
  const error = isStorageError(caught) ? caught : storageErrorOf(caught);
  if (!error) return caught;
  if (error.lock) return lockS3Error(error.lock, error.message, target);
  if (error.version) return versionS3Error(error.version, target);
  const [code, fixed] = s3CodeOf[error.code];
  let message = fixed ?? (error.message !== error.code ? error.message : undefined);
  if (message && error.conflict) {
    const { key, blocking } = error.conflict;
    message = `${message.slice(0, -1)} (key '${blocking}' blocks key '${key}').`;
  }
  return new S3Error(code, message, detailsFor(code, target));
}
