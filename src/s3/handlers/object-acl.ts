/**
 * GetObjectAcl / PutObjectAcl of one version (the current one without `versionId`), kept in the
 * version's metadata record and answered with `x-amz-version-id`. With BucketOwnerEnforced the
 * answer is always the bucket owner's full control.
 */
import { aclsEnabled, readBucketAccess } from "../acl/bucket-access.ts";
import { ownerOf } from "../acl/owner.ts";
import { checkedAcl } from "../acl/write-acl.ts";
import type { Handler } from "../context.ts";
import { emptyResponse, xmlResponse } from "../responses.ts";
import { versionHeaders, versionIdOf } from "../version-params.ts";
import { aclDocument, aclOfPutRequest } from "./acl-request.ts";

export const getObjectAcl: Handler = async (ctx) => {
  const { store, target } = ctx;
  const owner = (await ownerOf(ctx, target.bucket)).canonicalId;
  const result = await store.getObjectAcl(target.bucket, target.key, versionIdOf(target.query));
  const enabled = aclsEnabled(await readBucketAccess(store, target.bucket));
  return xmlResponse(
    await aclDocument(ctx, enabled ? result.acl : undefined, enabled ? (result.acl?.owner ?? owner) : owner),
    200,
    versionHeaders(result),
  );
};

export const putObjectAcl: Handler = async (ctx) => {
  const { store, target } = ctx;
  const versionId = versionIdOf(target.query);
  const bucketOwner = (await ownerOf(ctx, target.bucket)).canonicalId;
  // The object's owner stays who it was; an object without a stored ACL is the bucket owner's.
  const current = await store.getObjectAcl(target.bucket, target.key, versionId);
  const owner = current.acl?.owner ?? bucketOwner;
  const acl = await aclOfPutRequest(ctx, owner, bucketOwner);
  const stored = checkedAcl(await readBucketAccess(store, target.bucket), acl, bucketOwner);
  const result = stored ? await store.putObjectAcl(target.bucket, target.key, versionId, stored) : current;
  return emptyResponse(200, versionHeaders(result));
};
