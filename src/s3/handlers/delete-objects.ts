import { deleteObjectsRequest } from "../bodies/delete-objects.ts";
import type { Handler } from "../context.ts";
import { S3Error } from "../errors.ts";
import { readXmlBody } from "../request-body.ts";
import { s3Namespace, xmlResponse } from "../responses.ts";
import { toS3Error } from "../storage-errors.ts";
import { xmlEscape } from "../xml/escape.ts";

const maxBodyBytes = 2 * 1024 * 1024;

export const deleteObjects: Handler = async (ctx) => {
  const { req, store, target } = ctx;
  const hasDigest =
    req.headers.has("content-md5") ||
    [...req.headers.keys()].some((n) => n.startsWith("x-amz-checksum-") && n !== "x-amz-checksum-type");
  if (!hasDigest && req.headers.get("x-amz-trailer") === null) {
    throw new S3Error("InvalidRequest", "Missing required header for this request: Content-MD5");
  }
  const { keys, quiet } = deleteObjectsRequest(await readXmlBody(ctx, maxBodyBytes, true));
  await store.headBucket(target.bucket);

  let xml = `<DeleteResult xmlns="${s3Namespace}">`;
  for (const key of keys) {
    try {
      await ctx.authorize("s3:DeleteObject", target.bucket, key);
      await store.deleteObject(target.bucket, key);
      if (!quiet) xml += `<Deleted><Key>${xmlEscape(key)}</Key></Deleted>`;
    } catch (e) {
      const error = toS3Error(e);
      if (!(error instanceof S3Error)) throw e;
      xml += `<Error><Key>${xmlEscape(key)}</Key><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message></Error>`;
    }
  }
  return xmlResponse(`${xml}</DeleteResult>`);
};
