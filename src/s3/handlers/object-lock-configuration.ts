/**
 * PutObjectLockConfiguration / GetObjectLockConfiguration: object lock on a bucket and its
 * default retention. Enabling it needs versioning Enabled (409 InvalidBucketState otherwise)
 * and never goes back; a configuration without Rule removes the default retention.
 */
import { objectLockConfigurationRequest } from "../bodies/object-lock.ts";
import type { Handler } from "../context.ts";
import { requireIntegrityHeader } from "../integrity-header.ts";
import { readXmlBody } from "../request-body.ts";
import { emptyResponse, s3Namespace, xmlResponse } from "../responses.ts";

const maxBodyBytes = 16 * 1024;

export const putObjectLockConfiguration: Handler = async (ctx) => {
  const { req, store, target } = ctx;
  requireIntegrityHeader(req.headers);
  const config = objectLockConfigurationRequest(await readXmlBody(ctx, maxBodyBytes, true));
  await store.putObjectLockConfiguration(target.bucket, config);
  return emptyResponse(200);
};

export const getObjectLockConfiguration: Handler = async ({ store, target }) => {
  const { defaultRetention: d } = await store.getObjectLockConfiguration(target.bucket);
  const period = d ? (d.days !== undefined ? `<Days>${d.days}</Days>` : `<Years>${d.years}</Years>`) : "";
  const rule = d ? `<Rule><DefaultRetention><Mode>${d.mode}</Mode>${period}</DefaultRetention></Rule>` : "";
  return xmlResponse(
    `<ObjectLockConfiguration xmlns="${s3Namespace}"><ObjectLockEnabled>Enabled</ObjectLockEnabled>${rule}</ObjectLockConfiguration>`,
  );
};
