/**
 * What a write may set as the ACL of what it creates or changes, by the bucket's rules: with
 * BucketOwnerEnforced only an ACL that grants the bucket owner alone (private,
 * bucket-owner-full-control or the same as grants), which is then not stored, else 400
 * AccessControlListNotSupported; with BlockPublicAcls no public ACL (403 AccessDenied).
 */
import type { StoredAcl } from "../../storage/index.ts";
import type { S3Context } from "../context.ts";
import { S3Error } from "../errors.ts";
import { type Acl, grantsOnlyTo, isPublicAcl, toStoredAcl } from "./acl.ts";
import { aclsEnabled, type BucketAccess, readBucketAccess } from "./bucket-access.ts";
import { cannedAcl, parseCannedAcl } from "./canned.ts";
import { aclFromHeaders } from "./grant-headers.ts";
import { ownerOf } from "./owner.ts";

/** The ACL to store, or undefined when there is nothing to store (no ACL, or ACLs disabled). */
export function checkedAcl(
  access: BucketAccess,
  acl: Acl | undefined,
  bucketOwner: string,
): StoredAcl | undefined {
  if (!acl) return undefined;
  if (!aclsEnabled(access)) {
    if (grantsOnlyTo(acl, bucketOwner)) return undefined;
    throw new S3Error("AccessControlListNotSupported");
  }
  if (access.block?.BlockPublicAcls && isPublicAcl(acl)) throw new S3Error("AccessDenied");
  return toStoredAcl(acl);
}

/**
 * The ACL an object write asks for (x-amz-acl, x-amz-grant-*), checked against the bucket's rules.
 * The writer owns the object (ObjectWriter); with a single owner that is the bucket owner. As on
 * S3, a write that sets an ACL also needs s3:PutObjectAcl.
 */
export async function objectAclFromRequest(ctx: S3Context, bucket: string): Promise<StoredAcl | undefined> {
  const bucketOwner = ownerOf(ctx, bucket).id;
  const acl = aclFromHeaders(ctx.req.headers, bucketOwner, bucketOwner);
  if (!acl) return undefined;
  const stored = checkedAcl(await readBucketAccess(ctx.store, bucket), acl, bucketOwner);
  await ctx.authorize("s3:PutObjectAcl", bucket, ctx.target.key);
  return stored;
}

/** The ACL of a canned name sent as a form field (POST Object's `acl`), checked likewise. */
export async function objectAclFromCanned(
  ctx: S3Context,
  bucket: string,
  canned: string | undefined,
): Promise<StoredAcl | undefined> {
  if (canned === undefined) return undefined;
  const bucketOwner = ownerOf(ctx, bucket).id;
  const acl = cannedAcl(parseCannedAcl(canned), bucketOwner, bucketOwner);
  return checkedAcl(await readBucketAccess(ctx.store, bucket), acl, bucketOwner);
}
