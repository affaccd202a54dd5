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
 * client caused; anything else is an internal error.
 */
export interface ObjectStore {
  listBuckets(): Promise<BucketInfo[]>;
  /** Throws BucketExists when the directory already exists, InvalidBucketName on a bad name. */
  createBucket(name: string): Promise<void>;
  headBucket(name: string): Promise<BucketInfo>;
  /** Throws BucketNotEmpty when any object remains. */
  deleteBucket(name: string): Promise<void>;

  putObject(input: PutObjectInput): Promise<PutObjectResult>;
  /** Opens the object for reading; the caller must stream or close it. */
  openObject(bucket: string, key: string): Promise<OpenedObject>;
  headObject(bucket: string, key: string): Promise<ObjectInfo>;
  /** Deleting a missing key succeeds (S3 semantics); a missing bucket throws NoSuchBucket. */
  deleteObject(bucket: string, key: string): Promise<void>;
  copyObject(input: CopyObjectInput): Promise<PutObjectResult>;

  /** One page of keys in UTF-8 byte order, grouped by delimiter when one is given. */
  list(input: ListInput): Promise<ListResult>;
}
