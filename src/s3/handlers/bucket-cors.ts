/**
 * PutBucketCors / GetBucketCors / DeleteBucketCors: the rules kept as the bucket setting `cors`
 * (cors/cors-rules.ts); 404 NoSuchCORSConfiguration when the bucket has none.
 */
import { corsRequest } from "../bodies/cors.ts";
import type { Handler } from "../context.ts";
import { type CorsRule, parseStoredCorsRules, serializeCorsRules } from "../cors/cors-rules.ts";
import { S3Error } from "../errors.ts";
import { requireIntegrityHeader } from "../integrity-header.ts";
import { readXmlBody } from "../request-body.ts";
import { emptyResponse, s3Namespace, xmlResponse } from "../responses.ts";
import { xmlEscape } from "../xml/escape.ts";

const maxBodyBytes = 64 * 1024;

export const putBucketCors: Handler = async (ctx) => {
  requireIntegrityHeader(ctx.req.headers);
  const rules = corsRequest(await readXmlBody(ctx, maxBodyBytes, true));
  await ctx.store.putBucketSetting(ctx.target.bucket, "cors", serializeCorsRules(rules));
  ctx.cors.forget(ctx.target.bucket);
  return emptyResponse(200);
};

export const getBucketCors: Handler = async (ctx) => {
  const text = await ctx.store.getBucketSetting(ctx.target.bucket, "cors");
  const rules = text === undefined ? undefined : parseStoredCorsRules(text);
  if (rules === undefined || rules.length === 0) {
    throw new S3Error("NoSuchCORSConfiguration", undefined, { BucketName: ctx.target.bucket });
  }
  return xmlResponse(corsXml(rules));
};

export const deleteBucketCors: Handler = async (ctx) => {
  await ctx.store.deleteBucketSetting(ctx.target.bucket, "cors");
  ctx.cors.forget(ctx.target.bucket);
  return emptyResponse(204);
};

const elements = (name: string, values: readonly string[]) =>
  values.map((v) => `<${name}>${xmlEscape(v)}</${name}>`).join("");

function corsXml(rules: readonly CorsRule[]): string {
  const body = rules
    .map(
      (r) =>
        "<CORSRule>" +
        (r.id !== undefined ? `<ID>${xmlEscape(r.id)}</ID>` : "") +
        elements("AllowedHeader", r.allowedHeaders) +
        elements("AllowedMethod", r.allowedMethods) +
        elements("AllowedOrigin", r.allowedOrigins) +
        elements("ExposeHeader", r.exposeHeaders) +
        (r.maxAgeSeconds !== undefined ? `<MaxAgeSeconds>${r.maxAgeSeconds}</MaxAgeSeconds>` : "") +
        "</CORSRule>",
    )
    .join("");
  return `<CORSConfiguration xmlns="${s3Namespace}">${body}</CORSConfiguration>`;
}
