/**
 * Canned ACLs (`x-amz-acl`, the `acl` field of a POST form): each a fixed set of grants, as the
 * S3 user guide's "Canned ACL" table lists them.
 */
import { S3Error } from "../errors.ts";
import type { Acl, Grant } from "./acl.ts";

export const cannedAcls = [
  "private",
  "public-read",
  "public-read-write",
  "authenticated-read",
  "aws-exec-read",
  "bucket-owner-read",
  "bucket-owner-full-control",
  "log-delivery-write",
] as const;

export type CannedAcl = (typeof cannedAcls)[number];

/** The canonical user Amazon EC2 reads AMI bundles as (aws-exec-read). */
const ec2ReaderId = "6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c";

export function parseCannedAcl(value: string): CannedAcl {
  const name = value.trim();
  if (!(cannedAcls as readonly string[]).includes(name)) {
    // S3 answers an unknown canned ACL with a bare 400 InvalidArgument.
    throw new S3Error("InvalidArgument", undefined, { ArgumentName: "x-amz-acl", ArgumentValue: name });
  }
  return name as CannedAcl;
}

/**
 * The grants of a canned ACL for a resource owned by `owner` in a bucket owned by `bucketOwner`.
 * bucket-owner-* mean nothing on a bucket (its owner is the bucket owner): they grant as private.
 */
export function cannedAcl(name: CannedAcl, owner: string, bucketOwner: string): Acl {
  const grants: Grant[] = [{ grantee: { kind: "user", id: owner }, permission: "FULL_CONTROL" }];
  const add = (grant: Grant) => grants.push(grant);
  switch (name) {
    case "private":
      break;
    case "public-read":
      add({ grantee: { kind: "group", group: "AllUsers" }, permission: "READ" });
      break;
    case "public-read-write":
      add({ grantee: { kind: "group", group: "AllUsers" }, permission: "READ" });
      add({ grantee: { kind: "group", group: "AllUsers" }, permission: "WRITE" });
      break;
    case "authenticated-read":
      add({ grantee: { kind: "group", group: "AuthenticatedUsers" }, permission: "READ" });
      break;
    case "aws-exec-read":
      add({ grantee: { kind: "user", id: ec2ReaderId }, permission: "READ" });
      break;
    case "bucket-owner-read":
      if (bucketOwner !== owner) add({ grantee: { kind: "user", id: bucketOwner }, permission: "READ" });
      break;
    case "bucket-owner-full-control":
      if (bucketOwner !== owner)
        add({ grantee: { kind: "user", id: bucketOwner }, permission: "FULL_CONTROL" });
      break;
    case "log-delivery-write":
      add({ grantee: { kind: "group", group: "LogDelivery" }, permission: "WRITE" });
      add({ grantee: { kind: "group", group: "LogDelivery" }, permission: "READ_ACP" });
      break;
  }
  return { owner, grants };
}
