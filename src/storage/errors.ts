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
  | "SseUnreadable"
  /** SSE-KMS: no such KMS key (the message says which, as S3 does). */
  | "KmsNotFound"
  /** SSE-KMS: the KMS key is disabled. */
  | "KmsDisabled"
  /** The file system refused the server's user (EACCES, EPERM): a POSIX user's chmod. */
  | "AccessDenied"
  /** No space (ENOSPC) left, or less free than --min-free. */
  | "StorageFull"
  /** The disk failed (EIO). */
  | "IoError"
  /** The writer has a POSIX owner but the server may not chown (not root, no CAP_CHOWN). */
  | "ChownNotPermitted"
  /** The write would take the bucket over its hard quota (quota/gate.ts), or met EDQUOT. */
  | "QuotaExceeded";

/** The two keys of a POSIX conflict: the key written and the key (or prefix) in its way. */
export interface KeyConflict {
  key: string;
  blocking: string;
}

/**
 * What a versioned read or write met instead of an object version, for the HTTP layer's status
 * and headers. Carried by StorageError (code NoSuchKey or InvalidRequest):
 * - "DeleteMarker": the version is a delete marker. Asked by version id, S3 answers 405
 *   MethodNotAllowed; asked without one (the current version is a marker), 404 NoSuchKey; both
 *   with x-amz-delete-marker, x-amz-version-id and the marker's Last-Modified.
 * - "NoSuchVersion": no version with this id (404 NoSuchVersion).
 * - "InvalidVersionId": not an id this store makes (400 InvalidArgument).
 */
export interface VersionNotice {
  reason: "DeleteMarker" | "NoSuchVersion" | "InvalidVersionId";
  /** True when the request named the version by its id. */
  requested: boolean;
  versionId?: string;
  lastModified?: Date;
}

/**
 * What object lock refused, for the HTTP layer's S3 error (the StorageError's code is the
 * closest generic one, its message AWS's):
 * - "ObjectLocked": a version under retention or legal hold (403 AccessDenied); also a
 *   retention change the rules forbid (shortening, removing, changing the mode).
 * - "MissingLockConfiguration": retention or legal hold asked of a bucket without object lock
 *   (400 InvalidRequest).
 * - "InvalidBucketState": object lock on a bucket whose versioning is not Enabled, or
 *   suspending versioning on a bucket with object lock (409 InvalidBucketState).
 * - "ObjectLockConfigurationNotFoundError": the bucket has no object lock (404).
 * - "NoSuchObjectLockConfiguration": the version has no retention, or no legal hold (404).
 * - "InvalidRetentionPeriod": a default retention of no or too many days or years (400).
 * - "PastRetainDate": a retain-until date not in the future (400 InvalidArgument).
 */
export interface LockNotice {
  reason:
    | "ObjectLocked"
    | "MissingLockConfiguration"
    | "InvalidBucketState"
    | "ObjectLockConfigurationNotFoundError"
    | "NoSuchObjectLockConfiguration"
    | "InvalidRetentionPeriod"
    | "PastRetainDate";
}

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly conflict?: KeyConflict;
  readonly version?: VersionNotice;
  readonly lock?: LockNotice;
  constructor(
    code: StorageErrorCode,
    message?: string,
    conflict?: KeyConflict,
    options?: { cause?: unknown; version?: VersionNotice; lock?: LockNotice },
  ) {
    super(message ?? code, options);
    this.code = code;
    if (conflict) this.conflict = conflict;
    if (options?.version) this.version = options.version;
    if (options?.lock) this.lock = options.lock;
  }
}

const lockErrors: Record<LockNotice["reason"], [StorageErrorCode, string]> = {
  ObjectLocked: ["AccessDenied", "Access Denied because object protected by object lock."],
  MissingLockConfiguration: ["InvalidRequest", "Bucket is missing Object Lock Configuration"],
  InvalidBucketState: [
    "InvalidRequest",
    "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.",
  ],
  ObjectLockConfigurationNotFoundError: [
    "NoSuchKey",
    "Object Lock configuration does not exist for this bucket",
  ],
  NoSuchObjectLockConfiguration: [
    "NoSuchKey",
    "The specified object does not have a ObjectLock configuration",
  ],
  InvalidRetentionPeriod: ["InvalidRequest", "Default retention period must be a positive integer value."],
  PastRetainDate: ["InvalidRequest", "The retain until date must be in the future!"],
};

/** An object lock refusal (see LockNotice); message overrides AWS's default text. */
export function lockError(reason: LockNotice["reason"], message?: string): StorageError {
  const [code, text] = lockErrors[reason];
  return new StorageError(code, message ?? text, undefined, { lock: { reason } });
}

/** A version read that found a delete marker, or no such version: see VersionNotice. */
export function versionError(notice: VersionNotice): StorageError {
  const code = notice.reason === "InvalidVersionId" ? "InvalidRequest" : "NoSuchKey";
  const message =
    notice.reason === "InvalidVersionId"
      ? "Invalid version id specified"
      : notice.reason === "NoSuchVersion"
        ? "The specified version does not exist."
        : notice.requested
          ? "The specified method is not allowed against this resource."
          : "The specified key does not exist.";
  return new StorageError(code, message, undefined, { version: notice });
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

const denied = "the object, or a directory on its path, may not be read or written by the server";
const full = "free space or delete objects, then retry";
const systemErrors: Record<string, [StorageErrorCode, string, string]> = {
  EACCES: ["AccessDenied", "Permission denied by the server's file system", denied],
  EPERM: ["AccessDenied", "Operation not permitted by the server's file system", denied],
  ENOSPC: ["StorageFull", "The server's storage is full (no space left on device)", full],
  // A filesystem quota (`bucket quota set --fs-quota`, or one an operator set) refuses as s3dir's.
  EDQUOT: [
    "QuotaExceeded",
    "The bucket's filesystem quota is exhausted (disk quota exceeded)",
    "delete objects or raise the quota, then retry",
  ],
  EIO: ["IoError", "The server's disk failed (input/output error)", "the request was not completed"],
  // Uploads are staged in the root's system directory and renamed into the bucket.
  EXDEV: [
    "IoError",
    "The bucket's directory is on another filesystem than the server's root",
    "writes need every bucket on the root's filesystem (see s3dir doctor)",
  ],
};

/**
 * The storage condition behind a file-system error that any operation may meet: a file or
 * directory the server's user may not read or write, a full disk, a failing disk. Undefined
 * for other errors. The message says what the file system answered, never a server path.
 */
export function storageErrorOf(e: unknown): StorageError | undefined {
  const err = e as NodeJS.ErrnoException | undefined;
  const known = typeof err?.code === "string" ? systemErrors[err.code] : undefined;
  if (!known) return undefined;
  const [code, what, hint] = known;
  const call = err?.syscall ? ` in ${err.syscall}` : "";
  return new StorageError(code, `${what}${call}: ${hint}.`, undefined, { cause: e });
}
