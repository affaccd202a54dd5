/**
 * Put/Get/DeleteBucketOwnershipControls: the bucket setting `ownership`, one rule with
 * ObjectOwnership BucketOwnerEnforced (ACLs disabled), BucketOwnerPreferred or ObjectWriter.
 * Without a setting the bucket behaves as ObjectWriter and Get answers 404
 * OwnershipControlsNotFoundError.
 */
import { grantsOnlyTo } from "../acl/acl.ts";
import { type Ownership, ownershipValues, parseOwnership, readBucketAccess } from "../acl/bucket-access.ts";
import { ownerOf } from "../acl/owner.ts";
import type { Handler } from "../context.ts";
import { S3Error } from "../errors.ts";
import { readXmlBody } from "../request-body.ts";
import { emptyResponse, s3Namespace, xmlResponse } from "../responses.ts";
import { child, children, text } from "../xml/parse.ts";

const maxBodyBytes = 16 * 1024;

export function ownershipXml(ownership: Ownership): string {
  return `<OwnershipControls xmlns="${s3Namespace}"><Rule><ObjectOwnership>${ownership}</ObjectOwnership></Rule></OwnershipControls>`;
}

export const putBucketOwnershipControls: Handler = async (ctx) => {
  const { bucket } = ctx.target;
  const root = await readXmlBody(ctx, maxBodyBytes, true);
  const rules = root.name === "OwnershipControls" ? children(root, "Rule") : [];
  if (rules.length !== 1) throw new S3Error("MalformedXML");
  const value = text(child(rules[0]!, "ObjectOwnership")).trim();
  const ownership = parseOwnership(value);
  if (!ownership) {
    throw new S3Error("MalformedXML", `ObjectOwnership must be one of ${ownershipValues.join(", ")}.`);
  }
  if (ownership === "BucketOwnerEnforced") await checkBucketAclOwnerOnly(ctx, bucket);
  await ctx.store.putBucketSetting(bucket, "ownership", `${ownership}\n`);
  return emptyResponse(200);
};

/** ACLs can be disabled only while the bucket's ACL grants its owner alone. */
async function checkBucketAclOwnerOnly(ctx: Parameters<Handler>[0], bucket: string): Promise<void> {
  const { acl } = await readBucketAccess(ctx.store, bucket);
  if (acl && !grantsOnlyTo(acl, (await ownerOf(ctx, bucket)).canonicalId)) {
    throw new S3Error("InvalidBucketAclWithObjectOwnership");
  }
}

export const getBucketOwnershipControls: Handler = async (ctx) => {
  const ownership = parseOwnership(await ctx.store.getBucketSetting(ctx.target.bucket, "ownership"));
  if (!ownership)
    throw new S3Error("OwnershipControlsNotFoundError", undefined, { BucketName: ctx.target.bucket });
  return xmlResponse(ownershipXml(ownership));
};

export const deleteBucketOwnershipControls: Handler = async (ctx) => {
  await ctx.store.deleteBucketSetting(ctx.target.bucket, "ownership");
  return emptyResponse(204);
};
