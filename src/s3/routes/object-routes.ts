/** Operations on objects (or one version of one): reads, writes, copies, deletes (one or a batch), attributes, retention, legal hold and tags. Rows of the route table (../routes.ts). */
import { copyObject } from "../handlers/copy-object.ts";
import { deleteObject } from "../handlers/delete-object.ts";
import { deleteObjects } from "../handlers/delete-objects.ts";
import { getObject, headObject } from "../handlers/get-object.ts";
import { getObjectAttributes } from "../handlers/get-object-attributes.ts";
import { getObjectAcl, putObjectAcl } from "../handlers/object-acl.ts";
import {
  getObjectLegalHold,
  getObjectRetention,
  putObjectLegalHold,
  putObjectRetention,
} from "../handlers/object-retention.ts";
import { deleteObjectTagging, getObjectTagging, putObjectTagging } from "../handlers/object-tagging.ts";
import { postObject } from "../handlers/post-object.ts";
import { putObject } from "../handlers/put-object.ts";
import type { Route } from "../route.ts";

export const objectRoutes = [
  {
    operation: "PutObject",
    method: "PUT",
    scope: "object",
    action: "s3:PutObject",
    handler: putObject,
    writes: true,
    status: "partial",
    notes:
      "up to 5 GiB; Content-MD5, `x-amz-content-sha256` and checksums verified; content headers and `x-amz-meta-*` (≤ 2 KB) kept; `If-None-Match: *` and `If-Match` (other `If-None-Match` values: 501); SSE-S3, SSE-KMS and SSE-C; `x-amz-object-lock-*` (with Content-MD5 or a checksum); `x-amz-tagging` (URL-encoded, the limits of PutObjectTagging; `InvalidArgument` for a key given twice); `x-amz-acl` and `x-amz-grant-*` (as PutObjectAcl); storage class ignored",
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
      "`versionId`, `Range`, `partNumber`, `If-*` conditions, `response-*` overrides (signed requests only: 400 `InvalidRequest` for an anonymous one), `x-amz-checksum-mode`, SSE-C keys; `x-amz-object-lock-*` returned to a caller allowed `s3:GetObjectRetention` / `s3:GetObjectLegalHold`; `x-amz-tagging-count` when the version has tags",
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
      "also `s3:GetObject` on the source (`s3:GetObjectVersion` with `?versionId=`); `x-amz-metadata-directive` COPY or REPLACE, `x-amz-copy-source-if-*`, `If-Match`/`If-None-Match: *` on the target, SSE changes; `x-amz-storage-class` (one storage class: onto itself, a rewrite in place); `x-amz-object-lock-*` (a copy never takes its source's lock); `x-amz-tagging-directive` COPY (the source's tags, whatever the metadata directive) or REPLACE (the tags of `x-amz-tagging`, none without it)",
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
    operation: "GetObjectAcl",
    method: "GET",
    scope: "object",
    sub: "acl",
    action: "s3:GetObjectAcl",
    versionAction: "s3:GetObjectVersionAcl",
    handler: getObjectAcl,
    status: "supported",
    notes:
      "`versionId`; the bucket owner's `FULL_CONTROL` alone while ACLs are disabled (BucketOwnerEnforced) or none was set",
  },
  {
    operation: "PutObjectAcl",
    method: "PUT",
    scope: "object",
    sub: "acl",
    action: "s3:PutObjectAcl",
    versionAction: "s3:PutObjectVersionAcl",
    handler: putObjectAcl,
    status: "partial",
    notes:
      "`versionId`; kept in the version's metadata record; headers or body as PutBucketAcl, with the same refusals; a copy never takes its source's ACL",
  },
  {
    operation: "PostObject",
    method: "POST",
    scope: "bucket",
    action: undefined,
    handler: postObject,
    writes: true,
    status: "partial",
    notes:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's ${filename} variable
      "browser form uploads (multipart/form-data, streamed): SigV4 and SigV2 policy signatures, anonymous when the bucket policy allows; `s3:PutObject` authorized on the form's key once its fields are read; the policy's `expiration`, `eq`, `starts-with` and `content-length-range` on every field, fields it does not name refused; `${filename}`, `success_action_redirect`, `success_action_status`, content fields, `x-amz-meta-*`, `tagging`, checksums and SSE fields; `acl` (a canned ACL, as `x-amz-acl`)",
  },
] as const satisfies readonly Route[];
