/**
 * GetBucketAcl / PutBucketAcl: the bucket's ACL, kept as the bucket setting `acl`. With
 * BucketOwnerEnforced the answer is always the owner's full control and only such an ACL may be
 * put (write-acl.ts).
 */
import { ownerOnlyAcl, toStoredAcl } from "../acl/acl.ts";
import { aclsEnabled, readBucketAccess } from "../acl/bucket-access.ts";
import { ownerOf } from "../acl/owner.ts";
import { checkedAcl } from "../acl/write-acl.ts";
import type { Handler } from "../context.ts";
import { emptyResponse, xmlResponse } from "../responses.ts";
import { aclDocument, aclOfPutRequest } from "./acl-request.ts";

export const getBucketAcl: Handler = async (ctx) => {
  const { bucket } = ctx.target;
  const owner = (await ownerOf(ctx, bucket)).canonicalId;
  const access = await readBucketAccess(ctx.store, bucket);
  const stored =
    aclsEnabled(access) && access.acl ? toStoredAcl(access.acl) : toStoredAcl(ownerOnlyAcl(owner));
  return xmlResponse(await aclDocument(ctx, stored, owner));
};

export const putBucketAcl: Handler = async (ctx) => {
  const { bucket } = ctx.target;
  const owner = (await ownerOf(ctx, bucket)).canonicalId;
  const acl = await aclOfPutRequest(ctx, owner, owner);
  const stored = checkedAcl(await readBucketAccess(ctx.store, bucket), acl, owner);
  if (stored) await ctx.store.putBucketSetting(bucket, "acl", `${JSON.stringify(stored)}\n`);
  return emptyResponse(200);
};
