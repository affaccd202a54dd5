/**
 * PutBucketTagging / GetBucketTagging / DeleteBucketTagging: up to 50 tags kept as the bucket
 * setting `tagging` (JSON [key, value] pairs); 404 NoSuchTagSet when the bucket has none.
 */
import type { ObjectTag } from "../../storage/index.ts";
import { taggingRequest } from "../bodies/tagging.ts";
import type { Handler } from "../context.ts";
import { S3Error } from "../errors.ts";
import { readXmlBody } from "../request-body.ts";
import { emptyResponse, xmlResponse } from "../responses.ts";
import { taggingXml } from "./object-tagging.ts";

const maxBodyBytes = 64 * 1024;

export const putBucketTagging: Handler = async (ctx) => {
  const tags = taggingRequest(await readXmlBody(ctx, maxBodyBytes, true), "bucket");
  const pairs = tags.map((t) => [t.key, t.value]);
  await ctx.store.putBucketSetting(ctx.target.bucket, "tagging", `${JSON.stringify(pairs)}\n`);
  return emptyResponse(204);
};

export const getBucketTagging: Handler = async (ctx) => {
  const text = await ctx.store.getBucketSetting(ctx.target.bucket, "tagging");
  const tags = text === undefined ? [] : readTags(text);
  if (tags.length === 0) {
    throw new S3Error("NoSuchTagSet", undefined, { BucketName: ctx.target.bucket });
  }
  return xmlResponse(taggingXml(tags));
};

export const deleteBucketTagging: Handler = async (ctx) => {
  await ctx.store.deleteBucketSetting(ctx.target.bucket, "tagging");
  return emptyResponse(204);
};

function readTags(text: string): ObjectTag[] {
  try {
    const pairs = JSON.parse(text) as unknown;
    if (!Array.isArray(pairs)) return [];
    return pairs
      .filter(
        (p): p is [string, string] =>
          Array.isArray(p) && typeof p[0] === "string" && typeof p[1] === "string",
      )
      .map(([key, value]) => ({ key, value }));
  } catch {
    return [];
  }
}
