/** The actions a policy may name. A pattern (with `*`/`?`) is valid when it matches at least one of them. */
import { matchGlob } from "./wildcard.ts";

const s3Actions = [
  "AbortMultipartUpload",
  "BypassGovernanceRetention",
  "CreateBucket",
  "DeleteBucket",
  "DeleteBucketPolicy",
  "DeleteObject",
  "DeleteObjectTagging",
  "DeleteObjectVersion",
  "DeleteObjectVersionTagging",
  "GetBucketAcl",
  "GetBucketCORS",
  "GetBucketLocation",
  "GetBucketObjectLockConfiguration",
  "GetBucketPolicy",
  "GetBucketPolicyStatus",
  "GetBucketTagging",
  "GetBucketVersioning",
  "GetEncryptionConfiguration",
  "GetLifecycleConfiguration",
  "GetObject",
  "GetObjectAcl",
  "GetObjectAttributes",
  "GetObjectLegalHold",
  "GetObjectRetention",
  "GetObjectTagging",
  "GetObjectVersion",
  "GetObjectVersionAcl",
  "GetObjectVersionAttributes",
  "GetObjectVersionTagging",
  "ListAllMyBuckets",
  "ListBucket",
  "ListBucketMultipartUploads",
  "ListBucketVersions",
  "ListMultipartUploadParts",
  "PutBucketAcl",
  "PutBucketCORS",
  "PutBucketObjectLockConfiguration",
  "PutBucketPolicy",
  "PutBucketTagging",
  "PutBucketVersioning",
  "PutEncryptionConfiguration",
  "PutLifecycleConfiguration",
  "PutObject",
  "PutObjectAcl",
  "PutObjectLegalHold",
  "PutObjectRetention",
  "PutObjectTagging",
  "PutObjectVersionAcl",
  "PutObjectVersionTagging",
] as const;

const iamActions = [
  "AttachUserPolicy",
  "CreateAccessKey",
  "CreatePolicy",
  "CreateUser",
  "DeleteAccessKey",
  "DeletePolicy",
  "DeleteUser",
  "DeleteUserPolicy",
  "DetachUserPolicy",
  "GetPolicy",
  "GetUser",
  "GetUserPolicy",
  "ListAccessKeys",
  "ListAttachedUserPolicies",
  "ListPolicies",
  "ListUserPolicies",
  "ListUsers",
  "PutUserPolicy",
  "UpdateAccessKey",
] as const;

export const knownActions: readonly string[] = [
  ...s3Actions.map((a) => `s3:${a}`),
  ...iamActions.map((a) => `iam:${a}`),
  "sts:AssumeRole",
  "sts:AssumeRoleWithWebIdentity",
  "sts:AssumeRoleWithLDAPIdentity",
  "sts:TagSession",
];

/** Action names compare case-insensitively (AWS). */
export function actionMatches(pattern: string, action: string): boolean {
  return matchGlob(pattern, action, true);
}

export function isKnownActionPattern(pattern: string): boolean {
  return knownActions.some((action) => actionMatches(pattern, action));
}
