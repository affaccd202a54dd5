/**
 * Every S3 operation this server answers, one row each (the row's fields: route.ts). Operation
 * resolution, the IAM action and the operation list of docs/compatibility.md
 * (`bun scripts/gen-compatibility.ts`) all come from this table: a new operation is a row here and
 * its handler in handlers/.
 */
import {
  deleteBucketEncryption,
  getBucketEncryption,
  putBucketEncryption,
} from "./handlers/bucket-encryption.ts";
import {
  deleteBucketPolicy,
  getBucketPolicy,
  getBucketPolicyStatus,
  putBucketPolicy,
} from "./handlers/bucket-policy.ts";
import { deleteBucketTagging, getBucketTagging, putBucketTagging } from "./handlers/bucket-tagging.ts";
import { getBucketVersioning, putBucketVersioning } from "./handlers/bucket-versioning.ts";
import {
  createBucket,
  deleteBucket,
  getBucketLocation,
  headBucket,
  listBuckets,
} from "./handlers/buckets.ts";
import { copyObject } from "./handlers/copy-object.ts";
import { deleteObject } from "./handlers/delete-object.ts";
import { deleteObjects } from "./handlers/delete-objects.ts";
import { getObject, headObject } from "./handlers/get-object.ts";
import { getObjectAttributes } from "./handlers/get-object-attributes.ts";
import { listObjectVersions } from "./handlers/list-object-versions.ts";
import { listObjectsV1, listObjectsV2 } from "./handlers/list-objects.ts";
import { completeMultipartUpload } from "./handlers/multipart-complete.ts";
import { abortMultipartUpload, createMultipartUpload } from "./handlers/multipart-create.ts";
import { listMultipartUploads, listParts } from "./handlers/multipart-list.ts";
import { uploadPart, uploadPartCopy } from "./handlers/multipart-upload-part.ts";
import {
  getObjectLockConfiguration,
  putObjectLockConfiguration,
} from "./handlers/object-lock-configuration.ts";
import {
  getObjectLegalHold,
  getObjectRetention,
  putObjectLegalHold,
  putObjectRetention,
} from "./handlers/object-retention.ts";
import { deleteObjectTagging, getObjectTagging, putObjectTagging } from "./handlers/object-tagging.ts";
import { putObject } from "./handlers/put-object.ts";
import type { Route } from "./route.ts";

const table = [
  {
    operation: "ListBuckets",
    method: ["GET", "HEAD"],
    scope: "service",
    action: "s3:ListAllMyBuckets",
    handler: listBuckets,
    status: "supported",
    notes: "`prefix`, `max-buckets` (1…10,000), `continuation-token`; each bucket carries `BucketRegion`",
  },
  {
    operation: "CreateBucket",
    method: "PUT",
    scope: "bucket",
    action: "s3:CreateBucket",
    handler: createBucket,
    status: "partial",
    notes:
      "a `LocationConstraint` other than the server's region is 400 `InvalidLocationConstraint`; `x-amz-bucket-object-lock-enabled: true` (also `s3:PutBucketObjectLockConfiguration` and `s3:PutBucketVersioning`) enables object lock and versioning; ACL and object-ownership headers are ignored",
  },
  {
    operation: "HeadBucket",
    method: "HEAD",
    scope: "bucket",
    ignores: "any",
    action: "s3:ListBucket",
    handler: headBucket,
    status: "supported",
    notes: "returns `x-amz-bucket-region`",
  },
  {
    operation: "DeleteBucket",
    method: "DELETE",
    scope: "bucket",
    action: "s3:DeleteBucket",
    handler: deleteBucket,
    changesPolicy: true,
    status: "supported",
    notes: "409 `BucketNotEmpty` unless empty",
  },
  {
    operation: "GetBucketLocation",
    method: "GET",
    scope: "bucket",
    sub: "location",
    action: "s3:GetBucketLocation",
    handler: getBucketLocation,
    status: "supported",
    notes: "empty `LocationConstraint` for us-east-1",
  },
  {
    operation: "GetBucketVersioning",
    method: "GET",
    scope: "bucket",
    sub: "versioning",
    action: "s3:GetBucketVersioning",
    handler: getBucketVersioning,
    status: "supported",
    notes: "an empty `VersioningConfiguration` until versioning is first enabled",
  },
  {
    operation: "PutBucketVersioning",
    method: "PUT",
    scope: "bucket",
    sub: "versioning",
    action: "s3:PutBucketVersioning",
    handler: putBucketVersioning,
    status: "partial",
    notes: "`Enabled` or `Suspended`; MFA Delete (`MfaDelete` `Enabled`, `x-amz-mfa`) is 501",
  },
  {
    operation: "GetObjectLockConfiguration",
    method: "GET",
    scope: "bucket",
    sub: "object-lock",
    action: "s3:GetBucketObjectLockConfiguration",
    handler: getObjectLockConfiguration,
    status: "supported",
    notes: "404 `ObjectLockConfigurationNotFoundError` for a bucket without object lock",
  },
  {
    operation: "PutObjectLockConfiguration",
    method: "PUT",
    scope: "bucket",
    sub: "object-lock",
    action: "s3:PutBucketObjectLockConfiguration",
    handler: putObjectLockConfiguration,
    status: "supported",
    notes:
      "default retention in `Days` (≤ 36,500) or `Years` (≤ 100), `GOVERNANCE` or `COMPLIANCE`; enabling needs versioning Enabled (409 `InvalidBucketState`) and is for good; Content-MD5 or a checksum required",
  },
  {
    operation: "GetBucketPolicy",
    method: "GET",
    scope: "bucket",
    sub: "policy",
    action: "s3:GetBucketPolicy",
    handler: getBucketPolicy,
    status: "supported",
    notes: "",
  },
  {
    operation: "PutBucketPolicy",
    method: "PUT",
    scope: "bucket",
    sub: "policy",
    action: "s3:PutBucketPolicy",
    handler: putBucketPolicy,
    changesPolicy: true,
    status: "supported",
    notes: "at most 20 KiB; a resource outside the bucket is `MalformedPolicy`",
  },
  {
    operation: "DeleteBucketPolicy",
    method: "DELETE",
    scope: "bucket",
    sub: "policy",
    action: "s3:DeleteBucketPolicy",
    handler: deleteBucketPolicy,
    changesPolicy: true,
    status: "supported",
    notes: "",
  },
  {
    operation: "GetBucketPolicyStatus",
    method: "GET",
    scope: "bucket",
    sub: "policyStatus",
    action: "s3:GetBucketPolicyStatus",
    handler: getBucketPolicyStatus,
    status: "supported",
    notes: 'public when an Allow statement applies to Principal `"*"` without conditions',
  },
  {
    operation: "GetBucketEncryption",
    method: "GET",
    scope: "bucket",
    sub: "encryption",
    action: "s3:GetEncryptionConfiguration",
    handler: getBucketEncryption,
    status: "supported",
    notes: "",
  },
  {
    operation: "PutBucketEncryption",
    method: "PUT",
    scope: "bucket",
    sub: "encryption",
    action: "s3:PutEncryptionConfiguration",
    handler: putBucketEncryption,
    status: "partial",
    notes: "AES256 (SSE-S3) only; `aws:kms` is 501; one rule",
  },
  {
    operation: "DeleteBucketEncryption",
    method: "DELETE",
    scope: "bucket",
    sub: "encryption",
    action: "s3:PutEncryptionConfiguration",
    handler: deleteBucketEncryption,
    status: "supported",
    notes: "",
  },
  {
    operation: "ListObjects",
    method: "GET",
    scope: "bucket",
    action: "s3:ListBucket",
    handler: listObjectsV1,
    status: "supported",
    notes:
      "`prefix`, `delimiter`, `marker`, `max-keys` (≤ 1,000), `encoding-type=url`; `NextMarker` when truncated with a delimiter",
  },
  {
    operation: "ListObjectsV2",
    method: "GET",
    scope: "bucket",
    query: "list-type=2",
    action: "s3:ListBucket",
    handler: listObjectsV2,
    status: "supported",
    notes: "as ListObjects, and `continuation-token`, `start-after`, `fetch-owner`",
  },
  {
    operation: "ListObjectVersions",
    method: "GET",
    scope: "bucket",
    sub: "versions",
    action: "s3:ListBucketVersions",
    handler: listObjectVersions,
    status: "supported",
    notes:
      "`prefix`, `delimiter`, `key-marker`, `version-id-marker`, `max-keys`, `encoding-type`; versions and delete markers, newest first per key; an unversioned bucket lists `null` versions",
  },
  {
    operation: "PutObject",
    method: "PUT",
    scope: "object",
    action: "s3:PutObject",
    handler: putObject,
    writes: true,
    status: "partial",
    notes:
      "up to 5 GiB; Content-MD5, `x-amz-content-sha256` and checksums verified; content headers and `x-amz-meta-*` (≤ 2 KB) kept; `If-None-Match: *` and `If-Match` (other `If-None-Match` values: 501); SSE-S3 and SSE-C; `x-amz-object-lock-*` (with Content-MD5 or a checksum); `x-amz-tagging` (URL-encoded, the limits of PutObjectTagging; `InvalidArgument` for a key given twice); ACL and storage class ignored",
  },
  {
    operation: "GetObject",
    method: "GET",
    scope: "object",
    ignores: ["partNumber"],
    action: "s3:GetObject",
    versionAction: "s3:GetObjectVersion",
    handler: getObject,
    status: "supported",
    notes:
      "`versionId`, `Range`, `partNumber`, `If-*` conditions, `response-*` overrides, `x-amz-checksum-mode`, SSE-C keys; `x-amz-object-lock-*` returned to a caller allowed `s3:GetObjectRetention` / `s3:GetObjectLegalHold`; `x-amz-tagging-count` when the version has tags",
  },
  {
    operation: "HeadObject",
    method: "HEAD",
    scope: "object",
    ignores: ["partNumber"],
    action: "s3:GetObject",
    versionAction: "s3:GetObjectVersion",
    handler: headObject,
    status: "supported",
    notes: "as GetObject, without a body; errors carry no body",
  },
  {
    operation: "DeleteObject",
    method: "DELETE",
    scope: "object",
    action: "s3:DeleteObject",
    versionAction: "s3:DeleteObjectVersion",
    handler: deleteObject,
    status: "supported",
    notes:
      "204 also for a missing key; in a versioned bucket a delete marker, or with `versionId` exactly that version (403 `AccessDenied` while it is locked, unless GOVERNANCE with `x-amz-bypass-governance-retention: true` and `s3:BypassGovernanceRetention`)",
  },
  {
    operation: "DeleteObjects",
    method: "POST",
    scope: "bucket",
    sub: "delete",
    action: undefined,
    handler: deleteObjects,
    status: "supported",
    notes:
      "`s3:DeleteObject` (`s3:DeleteObjectVersion` with a `VersionId`) authorized on each key, a denied key reported in the result; up to 1,000 keys; Content-MD5 or a checksum required; `Quiet`; a locked version is a per-key `AccessDenied` (`x-amz-bypass-governance-retention` as for DeleteObject)",
  },
  {
    operation: "CopyObject",
    method: "PUT",
    scope: "object",
    header: "x-amz-copy-source",
    action: "s3:PutObject",
    handler: copyObject,
    writes: true,
    status: "partial",
    notes:
      "also `s3:GetObject` on the source (`s3:GetObjectVersion` with `?versionId=`); `x-amz-metadata-directive` COPY or REPLACE, `x-amz-copy-source-if-*`, `If-Match`/`If-None-Match: *` on the target, SSE changes; `x-amz-object-lock-*` (a copy never takes its source's lock); `x-amz-tagging-directive` COPY (the source's tags, whatever the metadata directive) or REPLACE (the tags of `x-amz-tagging`, none without it)",
  },
  {
    operation: "GetObjectAttributes",
    method: "GET",
    scope: "object",
    sub: "attributes",
    action: "s3:GetObjectAttributes",
    versionAction: "s3:GetObjectVersionAttributes",
    handler: getObjectAttributes,
    status: "supported",
    notes:
      "also `s3:GetObject` (with `versionId`: `s3:GetObjectVersion`); `ETag`, `Checksum`, `ObjectParts`, `StorageClass` (always `STANDARD`), `ObjectSize`",
  },
  {
    operation: "GetObjectRetention",
    method: "GET",
    scope: "object",
    sub: "retention",
    action: "s3:GetObjectRetention",
    handler: getObjectRetention,
    status: "supported",
    notes: "`versionId`; 404 `NoSuchObjectLockConfiguration` for a version without retention",
  },
  {
    operation: "PutObjectRetention",
    method: "PUT",
    scope: "object",
    sub: "retention",
    action: undefined,
    handler: putObjectRetention,
    status: "supported",
    notes:
      "`s3:PutObjectRetention`, authorized once the body is read (the `s3:object-lock-*` condition keys see its mode and date); `versionId`; COMPLIANCE only lengthened, GOVERNANCE shortened or removed (an empty `Retention`) with `x-amz-bypass-governance-retention: true` and `s3:BypassGovernanceRetention`; Content-MD5 or a checksum required",
  },
  {
    operation: "GetObjectLegalHold",
    method: "GET",
    scope: "object",
    sub: "legal-hold",
    action: "s3:GetObjectLegalHold",
    handler: getObjectLegalHold,
    status: "partial",
    notes:
      "`versionId`; 404 `NoSuchObjectLockConfiguration` for a version that never had a legal hold; `OFF` once turned off",
  },
  {
    operation: "PutObjectLegalHold",
    method: "PUT",
    scope: "object",
    sub: "legal-hold",
    action: undefined,
    handler: putObjectLegalHold,
    status: "supported",
    notes:
      "`s3:PutObjectLegalHold`, authorized once the body is read (`s3:object-lock-legal-hold`); `versionId`; `ON` or `OFF`; Content-MD5 or a checksum required",
  },
  {
    operation: "GetObjectTagging",
    method: "GET",
    scope: "object",
    sub: "tagging",
    action: "s3:GetObjectTagging",
    versionAction: "s3:GetObjectVersionTagging",
    handler: getObjectTagging,
    status: "supported",
    notes:
      "`versionId` (`s3:GetObjectVersionTagging`); answered with `x-amz-version-id`; an empty `TagSet` for an object without tags",
  },
  {
    operation: "PutObjectTagging",
    method: "PUT",
    scope: "object",
    sub: "tagging",
    action: undefined,
    handler: putObjectTagging,
    status: "supported",
    notes:
      "`s3:PutObjectTagging` (`s3:PutObjectVersionTagging` with `versionId`), authorized once the body is read (`s3:RequestObjectTag/<key>`, `s3:RequestObjectTagKeys`); replaces the version's tags; at most 10, keys 1…128 and values 0…256 characters of letters, digits, spaces and `_ . : / = + - @` (`InvalidTag`, over 10: `BadRequest`)",
  },
  {
    operation: "DeleteObjectTagging",
    method: "DELETE",
    scope: "object",
    sub: "tagging",
    action: "s3:DeleteObjectTagging",
    versionAction: "s3:DeleteObjectVersionTagging",
    handler: deleteObjectTagging,
    status: "supported",
    notes: "`versionId` (`s3:DeleteObjectVersionTagging`); 204 with `x-amz-version-id`",
  },
  {
    operation: "GetBucketTagging",
    method: "GET",
    scope: "bucket",
    sub: "tagging",
    action: "s3:GetBucketTagging",
    handler: getBucketTagging,
    status: "supported",
    notes: "404 `NoSuchTagSet` when the bucket has no tags",
  },
  {
    operation: "PutBucketTagging",
    method: "PUT",
    scope: "bucket",
    sub: "tagging",
    action: "s3:PutBucketTagging",
    handler: putBucketTagging,
    status: "supported",
    notes: "replaces the bucket's tags: at most 50, with the key and value rules of object tags",
  },
  {
    operation: "DeleteBucketTagging",
    method: "DELETE",
    scope: "bucket",
    sub: "tagging",
    action: "s3:PutBucketTagging",
    handler: deleteBucketTagging,
    status: "supported",
    notes: "authorized as `s3:PutBucketTagging`, as on S3",
  },
  {
    operation: "CreateMultipartUpload",
    method: "POST",
    scope: "object",
    sub: "uploads",
    action: "s3:PutObject",
    handler: createMultipartUpload,
    writes: true,
    status: "supported",
    notes:
      "checksum algorithm and type, SSE-S3, SSE-C, `x-amz-object-lock-*` and `x-amz-tagging` (applied at completion)",
  },
  {
    operation: "UploadPart",
    method: "PUT",
    scope: "object",
    param: "uploadId",
    action: "s3:PutObject",
    handler: uploadPart,
    writes: true,
    status: "supported",
    notes: "parts 1…10,000; any host takes any part",
  },
  {
    operation: "UploadPartCopy",
    method: "PUT",
    scope: "object",
    param: "uploadId",
    header: "x-amz-copy-source",
    action: "s3:PutObject",
    handler: uploadPartCopy,
    writes: true,
    status: "supported",
    notes:
      "also `s3:GetObject` on the source (`s3:GetObjectVersion` with a source `versionId`); `x-amz-copy-source-range`, source conditions, encrypted sources; any version of the source, answered in `x-amz-copy-source-version-id`",
  },
  {
    operation: "CompleteMultipartUpload",
    method: "POST",
    scope: "object",
    param: "uploadId",
    action: "s3:PutObject",
    handler: completeMultipartUpload,
    writes: true,
    status: "supported",
    notes:
      "every part but the last ≥ 5 MiB (`EntityTooSmall`); `InvalidPart`, `InvalidPartOrder`; `If-Match`/`If-None-Match: *`; `x-amz-mp-object-size`; a Complete that takes over 2 s answers 200 and keeps the connection alive with spaces until its result (its `x-amz-version-id` is chosen when it begins, so it goes out with the first byte)",
  },
  {
    operation: "AbortMultipartUpload",
    method: "DELETE",
    scope: "object",
    param: "uploadId",
    action: "s3:AbortMultipartUpload",
    handler: abortMultipartUpload,
    status: "supported",
    notes: "",
  },
  {
    operation: "ListParts",
    method: "GET",
    scope: "object",
    param: "uploadId",
    action: "s3:ListMultipartUploadParts",
    handler: listParts,
    status: "supported",
    notes: "`max-parts`, `part-number-marker`, `encoding-type`",
  },
  {
    operation: "ListMultipartUploads",
    method: "GET",
    scope: "bucket",
    sub: "uploads",
    action: "s3:ListBucketMultipartUploads",
    handler: listMultipartUploads,
    status: "supported",
    notes: "`prefix`, `delimiter`, `key-marker`, `upload-id-marker`, `max-uploads`, `encoding-type`",
  },
] as const satisfies readonly Route[];

/** The name of each operation in the table. */
export type Operation = (typeof table)[number]["operation"];

export type OperationRoute = Route & { operation: Operation };

export const routes: readonly OperationRoute[] = table;

/**
 * Sub-resources S3 defines that no row above serves: a request with one (as its first
 * sub-resource) is 501 NotImplemented, never taken for the plain bucket or object operation.
 */
export const unservedSubresources: readonly string[] = [
  "accelerate",
  "acl",
  "analytics",
  "cors",
  "intelligent-tiering",
  "inventory",
  "lifecycle",
  "logging",
  "metrics",
  "notification",
  "ownershipControls",
  "publicAccessBlock",
  "replication",
  "requestPayment",
  "restore",
  "select",
  "torrent",
  "website",
  "session",
  "metadataTable",
  "metadataConfiguration",
  "metadataInventoryTable",
  "metadataJournalTable",
  "abac",
  "renameObject",
];
