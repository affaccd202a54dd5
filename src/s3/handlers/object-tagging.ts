/**
 * PutObjectTagging / GetObjectTagging / DeleteObjectTagging of one version (the current one
 * without `versionId`), answered with `x-amz-version-id`. PutObjectTagging is authorized here,
 * once its body is read, so that s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys see the
 * tags asked for.
 */
import type { ObjectTag } from "../../storage/index.ts";
import { taggingRequest } from "../bodies/tagging.ts";
import type { Handler } from "../context.ts";
import { readXmlBody } from "../request-body.ts";
import { emptyResponse, s3Namespace, xmlResponse } from "../responses.ts";
import { versionHeaders, versionIdOf } from "../version-params.ts";
import { xmlEscape } from "../xml/escape.ts";

const maxBodyBytes = 64 * 1024;

/** A `Tagging` document (GetObjectTagging, GetBucketTagging). */
export function taggingXml(tags: ObjectTag[]): string {
  const set = tags
    .map((t) => `<Tag><Key>${xmlEscape(t.key)}</Key><Value>${xmlEscape(t.value)}</Value></Tag>`)
    .join("");
  return `<Tagging xmlns="${s3Namespace}"><TagSet>${set}</TagSet></Tagging>`;
}

export const putObjectTagging: Handler = async (ctx) => {
  const { store, target } = ctx;
  const versionId = versionIdOf(target.query);
  const tags = taggingRequest(await readXmlBody(ctx, maxBodyBytes, true), "object");
  const action = versionId === undefined ? "s3:PutObjectTagging" : "s3:PutObjectVersionTagging";
  await ctx.authorize(action, target.bucket, target.key, versionId, undefined, tags);
  const result = await store.putObjectTagging(target.bucket, target.key, versionId, tags);
  return emptyResponse(200, versionHeaders(result));
};

export const getObjectTagging: Handler = async ({ store, target }) => {
  const result = await store.getObjectTagging(target.bucket, target.key, versionIdOf(target.query));
  return xmlResponse(taggingXml(result.tags), 200, versionHeaders(result));
};

export const deleteObjectTagging: Handler = async ({ store, target }) => {
  const result = await store.putObjectTagging(target.bucket, target.key, versionIdOf(target.query), []);
  return emptyResponse(204, versionHeaders(result));
};
