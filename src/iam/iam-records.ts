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

export const accessKeySchema = v.object({
  accessKeyId: v.pipe(v.string(), v.regex(/^[A-Z0-9]{16,128}$/)),
  encryptedSecret: v.string(),
  status: v.picklist(["Active", "Inactive"]),
  created: v.string(),
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

/** Every versioned entity carries these. */
export interface Versioned {
  name: string;
  version: number;
}
