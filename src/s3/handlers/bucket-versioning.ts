/**
 * PutBucketVersioning / GetBucketVersioning. A bucket is unversioned until versioning is first
 * enabled, then Enabled or Suspended for good; MFA Delete is refused (no MFA devices here).
 */
import type { Handler } from "../context.ts";
import { readXmlBody } from "../request-body.ts";
import { emptyResponse, s3Namespace, xmlResponse } from "../responses.ts";
import { parseVersioningConfiguration } from "../version-params.ts";

const maxBodyBytes = 16 * 1024;

export const putBucketVersioning: Handler = async (ctx) => {
  const { req, store, target } = ctx;
  const root = await readXmlBody(ctx, maxBodyBytes, true);
  const state = parseVersioningConfiguration(root, req.headers.get("x-amz-mfa"));
  await store.headBucket(target.bucket);
  if (state) await store.putBucketVersioning(target.bucket, state);
  return emptyResponse(200);
};

export const getBucketVersioning: Handler = async ({ store, target }) => {
  const state = await store.getBucketVersioning(target.bucket);
  // As S3: an empty element for a bucket that was never versioned.
  if (state === "Unversioned") return xmlResponse(`<VersioningConfiguration xmlns="${s3Namespace}"/>`);
  return xmlResponse(
    `<VersioningConfiguration xmlns="${s3Namespace}"><Status>${state}</Status></VersioningConfiguration>`,
  );
};
