import type {
  BucketInfo,
  CopyObjectInput,
  ListInput,
  ListResult,
  ObjectInfo,
  OpenedObject,
  PutObjectInput,
  PutObjectResult,
} from "./types.ts";

/**
 * What the S3 layer asks of storage. Every method throws StorageError for conditions a
 * client caused; anything else is an internal error. Errors thrown by the request body
 * stream or by verify.beforePublish propagate unchanged (a signature failure stays one).
 */
export interface ObjectStore {
  /** Sorted by name (byte order). */
  listBuckets(): Promise<BucketInfo[]>;
  /** Throws BucketExists when the directory already exists, InvalidBucketName on a bad name. */
  createBucket(name: string): Promise<void>;
  /** Throws NoSuchBucket (also for invalid names and symlinked directories). */
  headBucket(name: string): Promise<BucketInfo>;
  /** Throws NoSuchBucket, or BucketNotEmpty when any object or other entry remains. */
  deleteBucket(name: string): Promise<void>;

  /**
   * Throws NoSuchBucket, InvalidKey, KeyTooLong, MetadataTooLarge (user metadata > 2 KB),
   * ParentIsObject (a/b while a is an object), KeyIsPrefix (a while a/ holds objects),
   * DirectoryObjectNotEmpty ("a/" with a body), IncompleteBody (fewer or more bytes than
   * expectedSize), TooLarge (> 5 TiB), BadDigest, Sha256Mismatch, ChecksumMismatch,
   * PreconditionFailed (If-None-Match: * on an existing key, If-Match mismatch), NoSuchKey
   * (If-Match on a missing key), ConditionalConflict (a conditional write lock not obtained).
   */
  putObject(input: PutObjectInput): Promise<PutObjectResult>;
  /**
   * Opens the object for reading; the caller must stream or close it.
   * Throws NoSuchBucket, NoSuchKey (also for invalid keys, symlinks and directories).
   */
  openObject(bucket: string, key: string): Promise<OpenedObject>;
  /** Like openObject without the bytes. */
  headObject(bucket: string, key: string): Promise<ObjectInfo>;
  /** Deleting a missing key succeeds (S3 semantics); a missing bucket throws NoSuchBucket. */
  deleteObject(bucket: string, key: string): Promise<void>;
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
}
