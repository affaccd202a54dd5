import * as v from "valibot";

/** IAM user name rules: 1–64 of letters, digits and `+=,.@_-`. */
export const userNameSchema = v.pipe(
  v.string(),
  v.regex(/^[\w+=,.@-]{1,64}$/, "a user name is 1-64 letters, digits and +=,.@_-"),
);

/** IAM policy name rules: 1–128 of letters, digits and `+=,.@_-`. */
export const policyNameSchema = v.pipe(
  v.string(),
  v.regex(/^[\w+=,.@-]{1,128}$/, "a policy name is 1-128 letters, digits and +=,.@_-"),
);

export const roleSchema = v.picklist(["admin", "s3"]);
export type Role = v.InferOutput<typeof roleSchema>;

/** A POSIX id: 0 to 2^32-2 (2^32-1 is the "no change" id of chown). */
const posixIdSchema = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4294967294));
export const posixOwnerSchema = v.object({ uid: posixIdSchema, gid: posixIdSchema });
export type PosixOwner = v.InferOutput<typeof posixOwnerSchema>;

/** What makes an access key a service account: a child key of its user, optionally narrowed. */
export const serviceAccountSchema = v.object({
  name: v.optional(v.string()),
  /** A policy (JSON text) that narrows the parent's rights for this key. */
  policy: v.optional(v.string()),
});
export type ServiceAccountInfo = v.InferOutput<typeof serviceAccountSchema>;

export const accessKeySchema = v.object({
  accessKeyId: v.pipe(v.string(), v.regex(/^[A-Z0-9]{16,128}$/)),
  encryptedSecret: v.string(),
  status: v.picklist(["Active", "Inactive"]),
  created: v.string(),
  /** Present on a service account's key (docs/security.md). */
  service: v.optional(serviceAccountSchema),
});
export type AccessKey = v.InferOutput<typeof accessKeySchema>;

export const userRecordSchema = v.object({
  name: userNameSchema,
  role: roleSchema,
  policies: v.array(policyNameSchema),
  inlinePolicies: v.record(v.string(), v.string()),
  accessKeys: v.array(accessKeySchema),
  created: v.string(),
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  /** The POSIX owner of files this user (and its sessions) writes through S3; absent: the server's. */
  posix: v.optional(posixOwnerSchema),
  /** The groups the user belongs to (their policies are added to the user's). */
  groups: v.optional(v.array(policyNameSchema)),
  /** A disabled user's keys, service accounts and sessions are refused until it is enabled again. */
  disabled: v.optional(v.boolean()),
});
export type UserRecord = v.InferOutput<typeof userRecordSchema>;

export const policyRecordSchema = v.object({
  name: policyNameSchema,
  /** The normalized policy document (JSON text). */
  document: v.string(),
  created: v.string(),
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
});
export type PolicyRecord = v.InferOutput<typeof policyRecordSchema>;

export const groupRecordSchema = v.object({
  name: policyNameSchema,
  policies: v.array(policyNameSchema),
  inlinePolicies: v.record(v.string(), v.string()),
  created: v.string(),
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
});
export type GroupRecord = v.InferOutput<typeof groupRecordSchema>;

export const roleRecordSchema = v.object({
  name: policyNameSchema,
  /** The IAM path: "/" or "/a/b/". */
  path: v.string(),
  description: v.optional(v.string()),
  /** The trust policy (AssumeRolePolicyDocument), normalized JSON text. */
  trustPolicy: v.string(),
  /** The longest session of the role, in seconds. */
  maxSessionDuration: v.pipe(v.number(), v.integer()),
  policies: v.array(policyNameSchema),
  inlinePolicies: v.record(v.string(), v.string()),
  created: v.string(),
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
});
export type RoleRecord = v.InferOutput<typeof roleRecordSchema>;

/** Every versioned entity carries these. */
export interface Versioned {
  name: string;
  version: number;
}
