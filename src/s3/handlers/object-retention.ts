/**
 * PutObjectRetention / GetObjectRetention and PutObjectLegalHold / GetObjectLegalHold of one
 * version (the current one without `versionId`). The PUTs are authorized here, once their body
 * is read, so that the s3:object-lock-* condition keys see the mode, date and status asked for.
 */
import { legalHoldRequest, retentionRequest } from "../bodies/object-lock.ts";
import type { Handler } from "../context.ts";
import { S3Error } from "../errors.ts";
import { requireIntegrityHeader } from "../integrity-header.ts";
import { bypassGovernance } from "../lock-params.ts";
import { readXmlBody } from "../request-body.ts";
import { emptyResponse, s3Namespace, xmlResponse } from "../responses.ts";
import { versionIdOf } from "../version-params.ts";

const maxBodyBytes = 16 * 1024;

function noLockConfiguration(): S3Error {
  return new S3Error(
    "NoSuchObjectLockConfiguration",
    "The specified object does not have a ObjectLock configuration",
  );
}

export const putObjectRetention: Handler = async (ctx) => {
  const { req, store, target } = ctx;
  const versionId = versionIdOf(target.query);
  requireIntegrityHeader(req.headers);
  const retention = retentionRequest(await readXmlBody(ctx, maxBodyBytes, true));
  await ctx.authorize("s3:PutObjectRetention", target.bucket, target.key, versionId, {
    mode: retention?.mode,
    retainUntilDate: retention?.until.toISOString(),
  });
  await store.putObjectRetention({
    bucket: target.bucket,
    key: target.key,
    versionId,
    retention,
    bypassGovernance: await bypassGovernance(ctx, target.bucket, target.key, versionId),
  });
  return emptyResponse(200);
};

export const getObjectRetention: Handler = async ({ store, target }) => {
  const { lock } = await store.getObjectLock(target.bucket, target.key, versionIdOf(target.query));
  const r = lock?.retention;
  if (!r) throw noLockConfiguration();
  return xmlResponse(
    `<Retention xmlns="${s3Namespace}"><Mode>${r.mode}</Mode><RetainUntilDate>${r.until.toISOString()}</RetainUntilDate></Retention>`,
  );
};

export const putObjectLegalHold: Handler = async (ctx) => {
  const { req, store, target } = ctx;
  const versionId = versionIdOf(target.query);
  requireIntegrityHeader(req.headers);
  const legalHold = legalHoldRequest(await readXmlBody(ctx, maxBodyBytes, true));
  await ctx.authorize("s3:PutObjectLegalHold", target.bucket, target.key, versionId, {
    legalHold: legalHold ? "ON" : "OFF",
  });
  await store.putObjectLegalHold({ bucket: target.bucket, key: target.key, versionId, legalHold });
  return emptyResponse(200);
};

export const getObjectLegalHold: Handler = async ({ store, target }) => {
  const { lock } = await store.getObjectLock(target.bucket, target.key, versionIdOf(target.query));
  if (lock?.legalHold === undefined) throw noLockConfiguration();
  const status = lock.legalHold ? "ON" : "OFF";
  return xmlResponse(`<LegalHold xmlns="${s3Namespace}"><Status>${status}</Status></LegalHold>`);
};
