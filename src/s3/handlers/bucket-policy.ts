import { type Policy, PolicyError, parseBucketPolicy } from "../../auth/policy/index.ts";
import { readBucketAccess } from "../acl/bucket-access.ts";
import { isPublicPolicy } from "../acl/public-policy.ts";
import type { Handler, S3Context } from "../context.ts";
import { S3Error } from "../errors.ts";
import { readSmallBody } from "../request-body.ts";
import { emptyResponse, s3Namespace, xmlResponse } from "../responses.ts";

const maxPolicyBytes = 20 * 1024;

/** The bucket's policy; MalformedPolicy when the document is not one for this bucket. */
function bucketPolicyOf(text: string, bucket: string): Policy {
  try {
    return parseBucketPolicy(text, bucket);
  } catch (e) {
    if (e instanceof PolicyError) throw new S3Error("MalformedPolicy", e.message);
    throw e;
  }
}

export const putBucketPolicy: Handler = async (ctx) => {
  const body = new TextDecoder().decode(await readSmallBody(ctx, maxPolicyBytes));
  const policy = bucketPolicyOf(body, ctx.target.bucket);
  if (
    isPublicPolicy(policy) &&
    (await readBucketAccess(ctx.store, ctx.target.bucket)).block?.BlockPublicPolicy
  ) {
    // BlockPublicPolicy: S3 refuses a public policy with a bare AccessDenied.
    throw new S3Error("AccessDenied");
  }
  await ctx.store.putBucketSetting(ctx.target.bucket, "policy", body);
  return emptyResponse(204);
};

/** The bucket's stored policy document; NoSuchBucketPolicy when it has none. */
async function storedPolicy({ store, target }: S3Context): Promise<string> {
  const text = await store.getBucketSetting(target.bucket, "policy");
  if (text === undefined) {
    throw new S3Error("NoSuchBucketPolicy", "The bucket policy does not exist", {
      BucketName: target.bucket,
    });
  }
  return text;
}

export const getBucketPolicy: Handler = async (ctx) =>
  new Response(await storedPolicy(ctx), { headers: { "content-type": "application/json" } });

export const deleteBucketPolicy: Handler = async ({ store, target }) => {
  await store.deleteBucketSetting(target.bucket, "policy");
  return emptyResponse(204);
};

/**
 * Public as Block Public Access defines it (../acl/public-policy.ts). Without a policy S3 answers
 * 404 NoSuchBucketPolicy, not IsPublic false (docs/security.md).
 */
export const getBucketPolicyStatus: Handler = async (ctx) => {
  const isPublic = isPublicPolicy(bucketPolicyOf(await storedPolicy(ctx), ctx.target.bucket));
  return xmlResponse(`<PolicyStatus xmlns="${s3Namespace}"><IsPublic>${isPublic}</IsPublic></PolicyStatus>`);
};
