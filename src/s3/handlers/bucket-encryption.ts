/**
 * PutBucketEncryption / GetBucketEncryption / DeleteBucketEncryption: a bucket's default
 * encryption, SSE-S3 (AES256) or SSE-KMS (aws:kms, with an optional KMSMasterKeyID); objects
 * written without SSE headers are sealed as if they carried the matching headers.
 */
import { defaultEncryption, parseBucketDefault } from "../bodies/bucket-encryption.ts";
import type { Handler } from "../context.ts";
import { S3Error } from "../errors.ts";
import { readXmlBody } from "../request-body.ts";
import { emptyResponse, s3Namespace, xmlResponse } from "../responses.ts";
import { forgetBucketDefault } from "../sse-headers.ts";
import { xmlEscape } from "../xml/escape.ts";

const maxBodyBytes = 16 * 1024;

export const putBucketEncryption: Handler = async (ctx) => {
  const setting = defaultEncryption(await readXmlBody(ctx, maxBodyBytes, true));
  await ctx.store.putBucketSetting(ctx.target.bucket, "encryption", `${JSON.stringify(setting)}\n`);
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
  const setting = parseBucketDefault(text);
  const keyId = setting.kmsKeyId ? `<KMSMasterKeyID>${xmlEscape(setting.kmsKeyId)}</KMSMasterKeyID>` : "";
  return xmlResponse(
    `<ServerSideEncryptionConfiguration xmlns="${s3Namespace}"><Rule><ApplyServerSideEncryptionByDefault>` +
      `<SSEAlgorithm>${setting.algorithm}</SSEAlgorithm>${keyId}</ApplyServerSideEncryptionByDefault>` +
      `<BucketKeyEnabled>${setting.bucketKeyEnabled === true}</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
  );
};

export const deleteBucketEncryption: Handler = async (ctx) => {
  await ctx.store.deleteBucketSetting(ctx.target.bucket, "encryption");
  forgetBucketDefault(ctx);
  return emptyResponse(204);
};
