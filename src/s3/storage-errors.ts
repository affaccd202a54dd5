import type { StorageErrorCode } from "../storage/errors.ts";
import { isStorageError } from "../storage/errors.ts";
import { S3Error, type S3ErrorCode } from "./errors.ts";

/** The one table that turns storage conditions into S3 errors. */
const s3CodeOf: Record<StorageErrorCode, [S3ErrorCode, string?]> = {
  NoSuchBucket: ["NoSuchBucket"],
  NoSuchKey: ["NoSuchKey"],
  BucketExists: ["BucketAlreadyOwnedByYou"],
  BucketNotEmpty: ["BucketNotEmpty"],
  InvalidBucketName: ["InvalidBucketName"],
  InvalidKey: ["InvalidArgument", "Object key is not valid: empty, '.' or '..' segments, NUL and reserved names are not allowed."],
  KeyTooLong: ["KeyTooLongError"],
  ParentIsObject: ["KeyConflict", "An object exists at a parent path of this key (key 'a' blocks key 'a/b')."],
  KeyIsPrefix: ["KeyConflict", "Objects exist below this key used as a prefix (key 'a/b' blocks key 'a')."],
  PreconditionFailed: ["PreconditionFailed"],
  ConditionalConflict: [
    "ConditionalRequestConflict",
    "A conflicting operation occurred. If using PutObject you can retry the request.",
  ],
  BadDigest: ["BadDigest"],
  Sha256Mismatch: ["XAmzContentSHA256Mismatch"],
  ChecksumMismatch: ["BadDigest", "The checksum you specified did not match the calculated checksum."],
  IncompleteBody: ["IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header."],
  TooLarge: ["EntityTooLarge", "Your proposed upload exceeds the maximum allowed size."],
  MetadataTooLarge: ["MetadataTooLarge"],
  InvalidRange: ["InvalidRange"],
  DirectoryObjectNotEmpty: ["InvalidRequest", "An object whose key ends in '/' is a directory and must be empty."],
};

/** Converts a StorageError to its S3Error; returns other errors unchanged. */
export function toS3Error(error: unknown, details: Record<string, string> = {}): unknown {
  if (!isStorageError(error)) return error;
  const [code, message] = s3CodeOf[error.code];
  return new S3Error(code, message ?? (error.message !== error.code ? error.message : undefined), details);
}
