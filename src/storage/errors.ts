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

/** The two keys of a POSIX conflict: the key written and the key (or prefix) in its way. */
export interface KeyConflict {
  key: string;
  blocking: string;
}

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly conflict?: KeyConflict;
  constructor(code: StorageErrorCode, message?: string, conflict?: KeyConflict) {
    super(message ?? code);
    this.code = code;
    if (conflict) this.conflict = conflict;
  }
}

/** `key` cannot be written: `blocking`, one of its parent paths, is an object (or a symlink). */
export function parentIsObject(key: string, blocking: string, what = "an object"): StorageError {
  return new StorageError("ParentIsObject", `${blocking} is ${what}`, { key, blocking });
}

/** `key` cannot be written: objects exist under `key/` (or `key/` is a directory object). */
export function keyIsPrefix(key: string): StorageError {
  const blocking = `${key}/`;
  return new StorageError("KeyIsPrefix", `${blocking} holds objects`, { key, blocking });
}

export function isStorageError(e: unknown): e is StorageError {
  return e instanceof StorageError;
}
