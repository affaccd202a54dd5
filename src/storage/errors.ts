/** Error codes of the storage layer; the S3 layer maps each to one S3 error. */
export type StorageErrorCode =
  | "NoSuchBucket"
  | "NoSuchKey"
  | "BucketExists"
  | "BucketNotEmpty"
  | "InvalidBucketName"
  | "InvalidKey"
  | "KeyTooLong"
  | "ParentIsObject"
  | "KeyIsPrefix"
  | "PreconditionFailed"
  | "ConditionalConflict"
  | "BadDigest"
  | "Sha256Mismatch"
  | "ChecksumMismatch"
  | "IncompleteBody"
  | "TooLarge"
  | "MetadataTooLarge"
  | "InvalidRange"
  | "DirectoryObjectNotEmpty"
  | "NoSuchUpload"
  | "InvalidPart"
  | "InvalidPartOrder"
  | "EntityTooSmall"
  | "InvalidRequest"
  | "SseKeyMismatch"
  | "SseUnreadable";

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  constructor(code: StorageErrorCode, message?: string) {
    super(message ?? code);
    this.code = code;
  }
}

export function isStorageError(e: unknown): e is StorageError {
  return e instanceof StorageError;
}
