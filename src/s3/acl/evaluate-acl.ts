/**
 * What ACL grants allow, as S3 maps ACL permissions to actions (user guide, "Mapping of ACL
 * permissions and access policy permissions"): a bucket's READ lists it, its WRITE creates and
 * deletes objects in it, READ_ACP/WRITE_ACP read and write its ACL; an object's READ reads it;
 * FULL_CONTROL is all of them. Group grants reach everyone (AllUsers) or every signed request
 * (AuthenticatedUsers) unless IgnorePublicAcls; no grant counts while ACLs are disabled. A
 * canonical-user grant reaches the account with that canonical id (its root, and its users as far
 * as their own identity policies allow: ../authorize.ts).
 */
import type { StoredAcl } from "../../storage/index.ts";
import { type Acl, fromStoredAcl, type Grant, type Permission } from "./acl.ts";
import { aclsEnabled, type BucketAccess } from "./bucket-access.ts";

const bucketActions: Partial<Record<Permission, readonly string[]>> = {
  READ: ["s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"],
  WRITE: ["s3:PutObject", "s3:DeleteObject"],
  READ_ACP: ["s3:GetBucketAcl"],
  WRITE_ACP: ["s3:PutBucketAcl"],
};

const objectActions: Partial<Record<Permission, readonly string[]>> = {
  READ: ["s3:GetObject", "s3:GetObjectVersion"],
  READ_ACP: ["s3:GetObjectAcl", "s3:GetObjectVersionAcl"],
  WRITE_ACP: ["s3:PutObjectAcl", "s3:PutObjectVersionAcl"],
};

function grantsAction(table: typeof bucketActions, permission: Permission, action: string): boolean {
  if (permission === "FULL_CONTROL") return Object.values(table).some((actions) => actions?.includes(action));
  return table[permission]?.includes(action) ?? false;
}

/** Who asks: anonymous or signed, and the canonical id of the account it acts as, when it is one. */
export interface AclRequester {
  anonymous: boolean;
  canonicalId?: string;
}

function reaches(grant: Grant, requester: AclRequester, ignorePublic: boolean): boolean {
  const { grantee } = grant;
  if (grantee.kind === "user") return grantee.id === requester.canonicalId;
  if (grantee.group === "AllUsers") return !ignorePublic;
  if (grantee.group === "AuthenticatedUsers") return !ignorePublic && !requester.anonymous;
  return false;
}

function allows(
  acl: Acl | undefined,
  table: typeof bucketActions,
  action: string,
  requester: AclRequester,
  ignorePublic: boolean,
) {
  return (
    acl?.grants.some(
      (g) => grantsAction(table, g.permission, action) && reaches(g, requester, ignorePublic),
    ) ?? false
  );
}

export interface AclSources {
  bucketAccess(bucket: string): Promise<BucketAccess>;
  /** The version's stored ACL; undefined when it has none or cannot be read (a missing key). */
  objectAcl(bucket: string, key: string, versionId?: string): Promise<StoredAcl | undefined>;
  /** The canonical id of an account (the grantee id ACLs name it by). */
  canonicalIdOf(accountId: string): Promise<string>;
  /** False when every object of the bucket is known to be its owner's (../bucket-owners.ts). */
  hasForeignObjects(bucket: string): Promise<boolean>;
  /** The owner an upload's record keeps (another account than the bucket's); undefined otherwise. */
  uploadOwner(bucket: string, key: string, uploadId: string): Promise<string | undefined>;
}

/**
 * Actions decided by the object's owner (the object context of S3's evaluation): reading the
 * object, its ACL, tags and attributes, and changing its ACL or tags. Writing and deleting the
 * key are the bucket's (its owner may delete any object in it).
 */
const objectOwnerActions =
  /^s3:(GetObject\w*|PutObject(Version)?(Acl|Tagging)|DeleteObject(Version)?Tagging)$/;

export function isObjectOwnerAction(action: string): boolean {
  return objectOwnerActions.test(action);
}

/**
 * Actions on a multipart upload that its initiator may take by default, as on S3, besides the
 * bucket owner: listing its parts and aborting it.
 */
export function isUploadOwnerAction(action: string): boolean {
  return action === "s3:AbortMultipartUpload" || action === "s3:ListMultipartUploadParts";
}

/**
 * The owner of the object an action is on when another account than the bucket's owns it (its
 * writer, under ObjectWriter or BucketOwnerPreferred), or of the upload an upload action names;
 * undefined when the bucket owner owns it. Read only for object-context and upload actions on
 * buckets with ACLs on that hold such objects.
 */
export async function foreignObjectOwner(
  sources: AclSources,
  action: string,
  bucket: string,
  key: string | undefined,
  versionId: string | undefined,
  bucketAccount: string,
  uploadId?: string,
): Promise<string | undefined> {
  const ofUpload = uploadId !== undefined && isUploadOwnerAction(action);
  if (!bucket || !key || !(ofUpload || isObjectOwnerAction(action))) return undefined;
  if (!(await sources.hasForeignObjects(bucket))) return undefined;
  if (!aclsEnabled(await sources.bucketAccess(bucket))) return undefined;
  const owner = ofUpload
    ? await sources.uploadOwner(bucket, key, uploadId)
    : (await sources.objectAcl(bucket, key, versionId))?.owner;
  if (owner === undefined || owner === (await sources.canonicalIdOf(bucketAccount))) return undefined;
  return owner;
}

/** True when the object's own ACL grants the action (for an object another account owns). */
export async function objectAclAllows(
  sources: AclSources,
  action: string,
  bucket: string,
  key: string,
  versionId: string | undefined,
  requester: AclRequester,
): Promise<boolean> {
  const access = await sources.bucketAccess(bucket);
  const stored = await sources.objectAcl(bucket, key, versionId);
  const ignorePublic = access.block?.IgnorePublicAcls === true;
  return allows(stored && fromStoredAcl(stored), objectActions, action, requester, ignorePublic);
}

/** True when an ACL of the bucket, or of the object the action is on, grants the action. */
export async function aclAllows(
  sources: AclSources,
  action: string,
  bucket: string,
  key: string | undefined,
  versionId: string | undefined,
  requester: AclRequester,
): Promise<boolean> {
  if (!bucket) return false;
  const access = await sources.bucketAccess(bucket);
  if (!aclsEnabled(access)) return false;
  const ignorePublic = access.block?.IgnorePublicAcls === true;
  if (allows(access.acl, bucketActions, action, requester, ignorePublic)) return true;
  if (!key || !Object.values(objectActions).some((a) => a?.includes(action))) return false;
  const stored = await sources.objectAcl(bucket, key, versionId);
  return allows(stored && fromStoredAcl(stored), objectActions, action, requester, ignorePublic);
}
