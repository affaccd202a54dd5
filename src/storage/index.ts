/**
 * What other layers may use of storage: the POSIX store, the types of the ObjectStore
 * contract, StorageError, and the few helpers the S3 layer and the CLI need. Everything else
 * under storage/ (folders by concept) is internal; on-disk record shapes never leave it.
 */

export type { VersionAcl } from "./acl/version-acl.ts";
export type { BucketSettingName } from "./buckets/settings.ts";
export type { PausePoint } from "./context.ts";
export {
  isStorageError,
  type LockNotice,
  StorageError,
  type StorageErrorCode,
  storageErrorOf,
  type VersionNotice,
} from "./errors.ts";
export { isValidBucketName, MAX_KEY_BYTES, utf8Length } from "./layout/keys.ts";
export type { ObjectExpiration } from "./lifecycle/config.ts";
export type { LifecycleEvent, LifecycleOperation, PassReport } from "./lifecycle/events.ts";
export type { LifecycleSubject } from "./lifecycle/rules.ts";
export type {
  LifecycleConfiguration,
  LifecycleExpiration,
  LifecycleFilter,
  LifecycleRule,
  NoncurrentVersionExpiration,
} from "./lifecycle/types.ts";
export { isLocked } from "./lock/rules.ts";
export type {
  DefaultRetention,
  LockRequest,
  ObjectLock,
  ObjectLockConfiguration,
  Retention,
  RetentionMode,
} from "./lock/types.ts";
export type { PutLegalHoldInput, PutRetentionInput, VersionLock } from "./lock/version-lock.ts";
export type {
  ChecksumType,
  CompleteInput,
  CompletePart,
  CompleteResult,
  CreateUploadInput,
  ListPartsInput,
  ListPartsResult,
  ListUploadsInput,
  ListUploadsResult,
  PartInfo,
  UploadChecksum,
  UploadInfo,
  UploadPartCopyInput,
  UploadPartInput,
} from "./multipart/types.ts";
export type { MultipartStore, ObjectStore } from "./object-store.ts";
export { BodyHasher } from "./objects/hashing.ts";
export { createPosixStore, type PosixStore, type PosixStoreOptions } from "./posix-store.ts";
export { createSseKeyring, loadSseKeys } from "./sse/keyring.ts";
export {
  createKmsKey,
  findKmsKey,
  isAliasName,
  KmsAliasTaken,
  type KmsKeyListing,
  type KmsKeyRecord,
  listKmsKeys,
  rotateKmsKey,
  setKmsKeyEnabled,
} from "./sse/kms-keys.ts";
export {
  type EncryptionRequest,
  encryptionOf,
  type KmsRequest,
  type ObjectEncryption,
  type ReadKeys,
} from "./sse/records.ts";
export { type RotationResult, rotateSseMasterKey } from "./sse/rotate.ts";
export type { VersionTags } from "./tags/version-tags.ts";
export type {
  BodyVerification,
  BucketInfo,
  ContentHeaders,
  CopyObjectInput,
  CreateBucketOptions,
  FileOwner,
  ListedObject,
  ListInput,
  ListResult,
  ObjectAttributes,
  ObjectInfo,
  ObjectTag,
  OpenedObject,
  PosixIdentity,
  PutObjectInput,
  PutObjectResult,
  StoredAcl,
  StoredChecksum,
  UploadSource,
  WholeBody,
  WriteConditions,
} from "./types.ts";
export type { DeleteResult } from "./versions/delete.ts";
export { isVersionId, NULL_VERSION } from "./versions/ids.ts";
export type { ListedVersion, ListVersionsInput, ListVersionsResult } from "./versions/listing.ts";
export type { VersioningState } from "./versions/state.ts";
