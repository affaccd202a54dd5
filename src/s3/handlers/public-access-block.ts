/**
 * Put/Get/DeletePublicAccessBlock: the bucket setting `public-access-block`, four switches that
 * authorization (../authorize.ts) and the ACL and policy writes (../acl/write-acl.ts,
 * bucket-policy.ts) enforce. 404 NoSuchPublicAccessBlockConfiguration when none is set.
 */
import {
  type PublicAccessBlock,
  parsePublicAccessBlock,
  publicAccessBlockSwitches,
} from "../acl/bucket-access.ts";
import type { Handler } from "../context.ts";
import { S3Error } from "../errors.ts";
import { readXmlBody } from "../request-body.ts";
import { emptyResponse, s3Namespace, xmlResponse } from "../responses.ts";
import { child, text } from "../xml/parse.ts";

const maxBodyBytes = 16 * 1024;

export function publicAccessBlockXml(block: PublicAccessBlock): string {
  const switches = publicAccessBlockSwitches.map((name) => `<${name}>${block[name]}</${name}>`).join("");
  return `<PublicAccessBlockConfiguration xmlns="${s3Namespace}">${switches}</PublicAccessBlockConfiguration>`;
}

export const putPublicAccessBlock: Handler = async (ctx) => {
  const root = await readXmlBody(ctx, maxBodyBytes, true);
  if (root.name !== "PublicAccessBlockConfiguration") throw new S3Error("MalformedXML");
  const block = {} as PublicAccessBlock;
  for (const name of publicAccessBlockSwitches) {
    const element = child(root, name);
    const value = element ? text(element).trim().toLowerCase() : "false";
    if (value !== "true" && value !== "false") throw new S3Error("MalformedXML");
    block[name] = value === "true";
  }
  await ctx.store.putBucketSetting(ctx.target.bucket, "public-access-block", `${JSON.stringify(block)}\n`);
  return emptyResponse(200);
};

export const getPublicAccessBlock: Handler = async (ctx) => {
  const block = parsePublicAccessBlock(
    await ctx.store.getBucketSetting(ctx.target.bucket, "public-access-block"),
  );
  if (!block) {
    throw new S3Error("NoSuchPublicAccessBlockConfiguration", undefined, { BucketName: ctx.target.bucket });
  }
  return xmlResponse(publicAccessBlockXml(block));
};

export const deletePublicAccessBlock: Handler = async (ctx) => {
  await ctx.store.deleteBucketSetting(ctx.target.bucket, "public-access-block");
  return emptyResponse(204);
};
