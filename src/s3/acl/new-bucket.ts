/**
 * The access settings a new bucket starts with: those CreateBucket asks for
 * (`x-amz-object-ownership`, `x-amz-acl`, `x-amz-grant-*`) over the server's bucket defaults
 * (--bucket-defaults). Checked before the bucket exists, written right after it is made.
 */
import type { ObjectStore } from "../../storage/index.ts";
import type { S3Context } from "../context.ts";
import { S3Error } from "../errors.ts";
import { grantsOnlyTo, isPublicAcl, toStoredAcl } from "./acl.ts";
import { blockAll, type Ownership, type PublicAccessBlock, parseOwnership } from "./bucket-access.ts";
import { aclFromHeaders } from "./grant-headers.ts";
import { requesterCanonicalId } from "./owner.ts";

export interface NewBucketAccess {
  ownership?: Ownership;
  block?: PublicAccessBlock;
  /** The ACL to store (none: the owner alone). */
  acl?: string;
  /** What CreateBucket asked for beyond creating: the IAM actions that must also allow it. */
  actions: string[];
}

export async function newBucketAccess(ctx: S3Context): Promise<NewBucketAccess> {
  const { headers } = ctx.req;
  const current = (ctx.config.bucketDefaults ?? "current") === "current";
  const actions: string[] = [];
  const asked = headers.get("x-amz-object-ownership");
  let ownership: Ownership | undefined = current ? "BucketOwnerEnforced" : undefined;
  if (asked !== null) {
    ownership = parseOwnership(asked);
    if (!ownership) {
      throw new S3Error("InvalidArgument", "Invalid x-amz-object-ownership header", {
        ArgumentName: "x-amz-object-ownership",
        ArgumentValue: asked,
      });
    }
    actions.push("s3:PutBucketOwnershipControls");
  }
  const block = current ? { ...blockAll } : undefined;
  // The bucket is the creator's; an anonymous CreateBucket never gets this far.
  const owner = (await requesterCanonicalId(ctx)) ?? "";
  const acl = aclFromHeaders(headers, owner, owner);
  if (!acl) return { ownership, block, actions };
  actions.push("s3:PutBucketAcl");
  const ownerOnly = grantsOnlyTo(acl, owner);
  if (ownership === "BucketOwnerEnforced") {
    if (!ownerOnly) throw new S3Error("InvalidBucketAclWithObjectOwnership");
    return { ownership, block, actions };
  }
  if (block?.BlockPublicAcls && isPublicAcl(acl))
    throw new S3Error("InvalidBucketAclWithBlockPublicAccessError");
  return { ownership, block, actions, acl: ownerOnly ? undefined : `${JSON.stringify(toStoredAcl(acl))}\n` };
}

export async function storeNewBucketAccess(
  store: ObjectStore,
  bucket: string,
  access: NewBucketAccess,
): Promise<void> {
  if (access.ownership) await store.putBucketSetting(bucket, "ownership", `${access.ownership}\n`);
  if (access.block)
    await store.putBucketSetting(bucket, "public-access-block", `${JSON.stringify(access.block)}\n`);
  if (access.acl) await store.putBucketSetting(bucket, "acl", access.acl);
}
