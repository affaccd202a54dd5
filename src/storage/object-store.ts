import type { VersionAcl } from "./acl/version-acl.ts";
import type { BucketSettingName } from "./buckets/settings.ts";
import type { ObjectExpiration } from "./lifecycle/config.ts";
import type { LifecycleSubject } from "./lifecycle/rules.ts";
import type { LifecycleConfiguration } from "./lifecycle/types.ts";
import type { ObjectLockConfiguration } from "./lock/types.ts";
import type { PutLegalHoldInput, PutRetentionInput, VersionLock } from "./lock/version-lock.ts";
import type {
  CompleteInput,
  CompleteResult,
  CreateUploadInput,
  ListPartsInput,
  ListPartsResult,
  ListUploadsInput,
  ListUploadsResult,
  PartInfo,
  UploadInfo,
  UploadPartCopyInput,
  UploadPartInput,
} from "./multipart/types.ts";
import type { ReadKeys } from "./sse/records.ts";
import type { VersionTags } from "./tags/version-tags.ts";
import type {
  BucketInfo,
  CopyObjectInput,
  CreateBucketOptions,
  ListInput,
  ListResult,
  ObjectInfo,
  ObjectTag,
  OpenedObject,
  PosixIdentity,
  PutObjectInput,
  PutObjectResult,
  StoredAcl,
} from "./types.ts";
import type { DeleteResult } from "./versions/delete.ts";
import type { ListVersionsInput, ListVersionsResult } from "./versions/listing.ts";
import type { VersioningState } from "./versions/state.ts";

/**
 * What the S3 layer asks of storage. Every method throws StorageError for conditions a
 * client caused; anything else is an internal error. Errors thrown by the request body
 * stream or by verify.beforePublish propagate unchanged (a signature failure stays one).
 */
export interface ObjectStore {
  /** Sorted by name (byte order). */
  listBuckets(): Promise<BucketInfo[]>;
  /**
   * Throws BucketExists when the directory already exists, InvalidBucketName on a bad name.
   * With objectLock, the bucket has object lock (no default retention) and versioning Enabled.
   */
  createBucket(name: string, options?: CreateBucketOptions): Promise<void>;
  /** Throws NoSuchBucket (also for invalid names and symlinked directories). */
  headBucket(name: string): Promise<BucketInfo>;
  /** Throws NoSuchBucket, or BucketNotEmpty when any object, other entry, version or delete marker remains. */
  deleteBucket(name: string): Promise<void>;

  /**
   * Keys a path cannot hold (a/b while a is an object, a/ with a body, a//b…) are stored in
   * the bucket's alternate area (objects/key-places.ts). Throws NoSuchBucket, InvalidKey,
   * KeyTooLong, MetadataTooLarge (user metadata > 2 KB), ParentIsObject (a symlink or file in
   * the way of the alternate area itself), IncompleteBody (fewer or more bytes than
   * expectedSize), TooLarge (> 5 TiB), BadDigest, Sha256Mismatch, ChecksumMismatch,
   * PreconditionFailed (If-None-Match: * on an existing key, If-Match mismatch), NoSuchKey
   * (If-Match on a missing key), ConditionalConflict (a conditional write lock not obtained).
   */
  putObject(input: PutObjectInput): Promise<PutObjectResult>;
  /**
   * Opens the object (or the version named by versionId) for reading; the caller must stream
   * or close it. Throws NoSuchBucket, NoSuchKey (also for invalid keys, symlinks and
   * directories). In a versioned bucket, a key whose newest version is a delete marker throws
   * NoSuchKey with a VersionNotice; a version id that names a marker, no version, or nothing
   * this store makes throws with a VersionNotice too (see StorageError.version).
   */
  openObject(
    bucket: string,
    key: string,
    keys?: ReadKeys,
    versionId?: string,
    access?: PosixIdentity,
  ): Promise<OpenedObject>;
  /**
   * Like openObject without the bytes. An encrypted object also throws InvalidRequest (SSE-C
   * key missing or not applicable), SseKeyMismatch (wrong customer key), SseUnreadable.
   */
  headObject(
    bucket: string,
    key: string,
    keys?: ReadKeys,
    versionId?: string,
    access?: PosixIdentity,
  ): Promise<ObjectInfo>;
  /**
   * Deleting a missing key succeeds (S3 semantics); a missing bucket throws NoSuchBucket. In a
   * versioned bucket, without versionId a delete marker becomes current; with one, exactly that
   * version or marker is removed (an id that names nothing is no error; a malformed one throws
   * InvalidRequest with a VersionNotice). The result names the marker made or the version removed.
   * In a bucket with object lock, a locked version named by id throws ObjectLocked (a LockNotice,
   * AccessDenied) unless its retention is GOVERNANCE and options.bypassGovernance is set: the
   * header x-amz-bypass-governance-retention was sent AND the caller holds
   * s3:BypassGovernanceRetention (the HTTP layer decides both). With options.access, the
   * identity must be allowed to remove the entry (write and search on its directory, the
   * sticky rule): AccessDenied otherwise.
   */
  deleteObject(
    bucket: string,
    key: string,
    versionId?: string,
    options?: { bypassGovernance?: boolean; access?: PosixIdentity },
  ): Promise<DeleteResult>;
  /**
   * Source errors as openObject (NoSuchBucket / NoSuchKey), whatever sourceCheck throws,
   * then destination errors as putObject (no body errors).
   */
  copyObject(input: CopyObjectInput): Promise<PutObjectResult>;

  /**
   * One page of keys in UTF-8 byte order, grouped by delimiter when one is given.
   * Throws NoSuchBucket. maxKeys is clamped to 0…1000.
   */
  list(input: ListInput): Promise<ListResult>;
  /**
   * One page of versions and delete markers (ListObjectVersions): keys in UTF-8 byte order,
   * each key's versions newest first, grouped by delimiter. Throws NoSuchBucket. maxKeys is
   * clamped to 0…1000. An unversioned bucket lists its objects as `null` versions.
   */
  listObjectVersions(input: ListVersionsInput): Promise<ListVersionsResult>;

  /** Multipart uploads into this store's buckets. */
  readonly multipart: MultipartStore;
  /** A bucket setting's text (e.g. its policy), undefined when unset; throws NoSuchBucket. */
  getBucketSetting(bucket: string, name: BucketSettingName): Promise<string | undefined>;
  /** Unversioned until first set; throws NoSuchBucket. */
  getBucketVersioning(bucket: string): Promise<VersioningState>;
  /**
   * Enables or suspends versioning (a bucket never goes back to Unversioned); throws NoSuchBucket,
   * and InvalidBucketState (a LockNotice) when suspending a bucket with object lock.
   */
  putBucketVersioning(bucket: string, state: "Enabled" | "Suspended"): Promise<void>;
  /**
   * The bucket's object lock configuration; throws NoSuchBucket, and
   * ObjectLockConfigurationNotFoundError (a LockNotice) when the bucket has no object lock.
   */
  getObjectLockConfiguration(bucket: string): Promise<ObjectLockConfiguration>;
  /** Whether new versions in the bucket get a default retention (cached; false for a missing bucket). */
  hasDefaultRetention(bucket: string): Promise<boolean>;
  /**
   * Sets the default retention (none: removes it). A bucket without object lock gets it when its
   * versioning is Enabled (as AWS allows for existing buckets), else InvalidBucketState. Throws
   * NoSuchBucket, InvalidRetentionPeriod (not exactly one of days and years, 1…36500 days or
   * 1…100 years).
   */
  putObjectLockConfiguration(bucket: string, config: ObjectLockConfiguration): Promise<void>;
  /**
   * A version's retention and legal hold (the current version without versionId). Throws
   * NoSuchBucket, MissingLockConfiguration (a bucket without object lock), NoSuchKey and the
   * version errors of openObject (a delete marker: VersionNotice "DeleteMarker").
   */
  getObjectLock(bucket: string, key: string, versionId?: string): Promise<VersionLock>;
  /**
   * PutObjectRetention, by AWS's rules (lock/rules.ts): ObjectLocked when shortening, removing
   * or changing the mode of an active retention other than GOVERNANCE with bypass, PastRetainDate
   * for a date not in the future; the errors of getObjectLock.
   */
  putObjectRetention(input: PutRetentionInput): Promise<VersionLock>;
  /** PutObjectLegalHold: ON or OFF; the errors of getObjectLock. */
  putObjectLegalHold(input: PutLegalHoldInput): Promise<VersionLock>;
  /** A version's tags (the current version without versionId); the errors of getObjectLock but MissingLockConfiguration. */
  getObjectTagging(bucket: string, key: string, versionId?: string): Promise<VersionTags>;
  /** Replaces a version's tags (an empty list removes them); the errors of getObjectTagging. */
  putObjectTagging(
    bucket: string,
    key: string,
    versionId: string | undefined,
    tags: ObjectTag[],
  ): Promise<VersionTags>;
  /** A version's ACL (the current version without versionId); the errors of getObjectTagging. */
  getObjectAcl(bucket: string, key: string, versionId?: string): Promise<VersionAcl>;
  /** Replaces a version's ACL; the errors of getObjectTagging. */
  putObjectAcl(
    bucket: string,
    key: string,
    versionId: string | undefined,
    acl: StoredAcl,
  ): Promise<VersionAcl>;
  putBucketSetting(bucket: string, name: BucketSettingName, text: string): Promise<void>;
  deleteBucketSetting(bucket: string, name: BucketSettingName): Promise<void>;
  /** The bucket's lifecycle configuration, undefined when none is set; throws NoSuchBucket. */
  getBucketLifecycle(bucket: string): Promise<LifecycleConfiguration | undefined>;
  /** Replaces the lifecycle configuration (already validated by the caller); throws NoSuchBucket. */
  putBucketLifecycle(bucket: string, config: LifecycleConfiguration): Promise<void>;
  /** Removes the lifecycle configuration (none: no error); throws NoSuchBucket. */
  deleteBucketLifecycle(bucket: string): Promise<void>;
  /**
   * When a current version with these facts expires under the bucket's lifecycle rules, and by
   * which rule (x-amz-expiration); undefined when none expires it. Answered from a cache that is
   * revalidated by one lstat a second, so a bucket without rules costs nothing per request.
   */
  objectExpiration(
    bucket: string,
    o: LifecycleSubject & { created: number },
  ): Promise<ObjectExpiration | undefined>;
}

/**
 * Multipart uploads, staged in the shared root so that any host takes any part and any host
 * completes. Every method throws NoSuchBucket for a missing bucket and NoSuchUpload for an
 * upload id that is malformed, unknown, of another key, completed or aborted.
 */
export interface MultipartStore {
  /** Throws InvalidKey, KeyTooLong, MetadataTooLarge. */
  create(input: CreateUploadInput): Promise<UploadInfo>;
  /**
   * Stores (or replaces, atomically) one part. Throws TooLarge (> 5 GiB), InvalidRequest (a
   * checksum of another algorithm than the upload's), and the body errors of putObject.
   */
  uploadPart(input: UploadPartInput): Promise<PartInfo>;
  /** A part copied from (a range of) an object: source errors as copyObject, InvalidRange. */
  uploadPartCopy(input: UploadPartCopyInput): Promise<PartInfo>;
  /**
   * Publishes the parts as the object. Exactly one of concurrent completions of an upload
   * succeeds; the others get NoSuchUpload. Throws InvalidPart, EntityTooSmall, InvalidRequest,
   * ChecksumMismatch and the write-condition errors of putObject; after any of those the upload
   * stays as it was.
   */
  complete(input: CompleteInput): Promise<CompleteResult>;
  /**
   * The version id a Complete of the key will publish under, chosen now so that it can be
   * answered before the work ends (pass it as CompleteInput.versionId): undefined in an
   * unversioned bucket and for directory objects, `null` while versioning is suspended.
   */
  reserveVersionId(bucket: string, key: string): Promise<string | undefined>;
  /** An upload's description (NoSuchUpload when it is not there or is for another key). */
  describe(bucket: string, key: string, uploadId: string): Promise<UploadInfo>;
  /** Removes the upload and its parts at once. */
  abort(bucket: string, key: string, uploadId: string): Promise<void>;
  listParts(input: ListPartsInput): Promise<ListPartsResult>;
  /** In-progress uploads by key (UTF-8 order), then by initiation. */
  listUploads(input: ListUploadsInput): Promise<ListUploadsResult>;
}
