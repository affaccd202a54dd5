/**
 * What a write may set as the ACL of what it creates or changes, by the bucket's rules: with
 * BucketOwnerEnforced only an ACL that grants the bucket owner alone (private,
 * bucket-owner-full-control or the same as grants), which is then not stored, else 400
 * AccessControlListNotSupported; with BlockPublicAcls no public ACL (403 AccessDenied).
 */
import { accountOf } from "../../auth/account.ts";
import type { StoredAcl } from "../../storage/index.ts";
import type { S3Context } from "../context.ts";
import { S3Error } from "../errors.ts";
import { type Acl, grantsOnlyTo, isPublicAcl, ownerOnlyAcl, toStoredAcl } from "./acl.ts";
import { aclsEnabled, type BucketAccess, readBucketAccess } from "./bucket-access.ts";
import { cannedAcl, parseCannedAcl } from "./canned.ts";
import { aclFromHeaders, asksForAcl } from "./grant-headers.ts";
import { ownerOf, requesterCanonicalId } from "./owner.ts";

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
 * Who owns what a write creates, as S3 decides it: with ACLs disabled (BucketOwnerEnforced) the
 * bucket owner; with BucketOwnerPreferred the bucket owner when the writer grants it
 * bucket-owner-full-control; otherwise (ObjectWriter) the writer's account. An anonymous write
 * is the bucket owner's, unlike AWS (docs/security.md, "Object owners").
 */
async function objectOwner(
  ctx: S3Context,
  access: BucketAccess,
  bucketOwner: string,
  canned: string | undefined,
): Promise<string> {
  if (!aclsEnabled(access)) return bucketOwner;
  if (access.ownership === "BucketOwnerPreferred" && canned?.trim() === "bucket-owner-full-control")
    return bucketOwner;
  return (await requesterCanonicalId(ctx)) ?? bucketOwner;
}

/**
 * The ACL record of what a write creates: the one asked for, checked against the bucket's rules,
 * or none when the object is the bucket owner's alone. An object another account owns always
 * gets one, since its record is where its owner is kept (and the bucket is marked as holding
 * such objects, ../bucket-owners.ts). As on S3, a write that sets an ACL also needs
 * s3:PutObjectAcl.
 */
async function objectAclOfWrite(
  ctx: S3Context,
  bucket: string,
  asked: boolean,
  canned: string | undefined,
  ask: (owner: string, bucketOwner: string) => Acl | undefined,
): Promise<StoredAcl | undefined> {
  // The common write, the bucket's own account asking for no ACL, reads nothing more.
  if (!asked && !(await writesForAnotherAccount(ctx, bucket))) return undefined;
  const bucketOwner = (await ownerOf(ctx, bucket)).canonicalId;
  const access = await readBucketAccess(ctx.store, bucket);
  const owner = await objectOwner(ctx, access, bucketOwner, canned);
  const acl = ask(owner, bucketOwner);
  let stored = checkedAcl(access, acl, bucketOwner);
  if (acl) await ctx.authorize("s3:PutObjectAcl", bucket, ctx.target.key);
  if (owner !== bucketOwner) {
    stored ??= toStoredAcl(ownerOnlyAcl(owner));
    await ctx.config.owners.markForeignObjects(bucket);
  }
  return stored;
}

async function writesForAnotherAccount(ctx: S3Context, bucket: string): Promise<boolean> {
  const { principal } = ctx.auth;
  if (principal.kind === "anonymous") return false;
  return (await ctx.config.owners.accountOf(bucket)) !== accountOf(principal);
}

/** The ACL an object write asks for in its headers (x-amz-acl, x-amz-grant-*). */
export async function objectAclFromRequest(ctx: S3Context, bucket: string): Promise<StoredAcl | undefined> {
  const { headers } = ctx.req;
  const canned = headers.get("x-amz-acl") ?? undefined;
  return await objectAclOfWrite(ctx, bucket, asksForAcl(headers), canned, (owner, bucketOwner) =>
    aclFromHeaders(headers, owner, bucketOwner),
  );
}

/** The ACL of a canned name sent as a form field (POST Object's `acl`), likewise. */
export async function objectAclFromCanned(
  ctx: S3Context,
  bucket: string,
  canned: string | undefined,
): Promise<StoredAcl | undefined> {
  return await objectAclOfWrite(ctx, bucket, canned !== undefined, canned, (owner, bucketOwner) =>
    canned === undefined ? undefined : cannedAcl(parseCannedAcl(canned), owner, bucketOwner),
  );
}
