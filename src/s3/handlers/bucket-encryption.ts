/**
 * PutBucketEncryption / GetBucketEncryption / DeleteBucketEncryption: a bucket's default
 * encryption. Only SSE-S3 (AES256) is offered; with it set, objects written without SSE
 * headers are sealed as if they carried `x-amz-server-side-encryption: AES256`.
 */
import { defaultEncryption } from "../bodies/bucket-encryption.ts";
import type { Handler } from "../context.ts";
import { S3Error } from "../errors.ts";
import { readXmlBody } from "../request-body.ts";
import { emptyResponse, s3Namespace, xmlResponse } from "../responses.ts";
import { forgetBucketDefault } from "../sse-headers.ts";

const maxBodyBytes = 16 * 1024;

export const putBucketEncryption: Handler = async (ctx) => {
  const algorithm = defaultEncryption(await readXmlBody(ctx, maxBodyBytes, true));
  await ctx.store.putBucketSetting(ctx.target.bucket, "encryption", `${JSON.stringify({ algorithm })}\n`);
  forgetBucketDefault(ctx);
  return emptyResponse(200);
};

export const getBucketEncryption: Handler = async (ctx) => {
  const text = await ctx.store.getBucketSetting(ctx.target.bucket, "encryption");
  if (text === undefined) {
    throw new S3Error(
      "ServerSideEncryptionConfigurationNotFoundError",
      "The server side encryption configuration was not found",
      { BucketName: ctx.target.bucket },
    );
  }
  return xmlResponse(
    `<ServerSideEncryptionConfiguration xmlns="${s3Namespace}"><Rule><ApplyServerSideEncryptionByDefault>` +
      "<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>" +
      "<BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>",
  );
};

export const deleteBucketEncryption: Handler = async (ctx) => {
  await ctx.store.deleteBucketSetting(ctx.target.bucket, "encryption");
  forgetBucketDefault(ctx);
  return emptyResponse(204);
};
