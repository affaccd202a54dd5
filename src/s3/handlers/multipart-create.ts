import { encryptionOf } from "../../storage/index.ts";
import { objectAclFromRequest } from "../acl/write-acl.ts";
import type { Handler } from "../context.ts";
import { lockRequestFrom } from "../lock-params.ts";
import { uploadChecksumFrom, uploadIdOf } from "../multipart-params.ts";
import { attributesFromRequest } from "../object-headers.ts";
import { emptyResponse, s3Namespace, xmlResponse } from "../responses.ts";
import { sseResponseHeaders, writeEncryptionFrom } from "../sse-headers.ts";
import { checkStorageClass } from "../storage-class.ts";
import { taggingHeaderOf } from "../tags.ts";
import { xmlEscape } from "../xml/escape.ts";

export const createMultipartUpload: Handler = async (ctx) => {
  const { req, store, target } = ctx;
  checkStorageClass(req.headers);
  const checksum = uploadChecksumFrom(req.headers);
  const lock = lockRequestFrom(req.headers);
  const sse = await writeEncryptionFrom(ctx);
  const attributes = attributesFromRequest(req.headers);
  const tags = taggingHeaderOf(req.headers);
  if (tags) attributes.tags = tags;
  const acl = await objectAclFromRequest(ctx, target.bucket);
  if (acl) attributes.acl = acl;
  const upload = await store.multipart.create({
    bucket: target.bucket,
    key: target.key,
    attributes,
    checksum,
    encryption: sse.request,
    lock,
  });
  const headers: Record<string, string> = sseResponseHeaders(encryptionOf(upload), sse.customer, true);
  if (checksum) {
    headers["x-amz-checksum-algorithm"] = checksum.algorithm;
    headers["x-amz-checksum-type"] = checksum.type;
  }
  return xmlResponse(
    `<InitiateMultipartUploadResult xmlns="${s3Namespace}"><Bucket>${xmlEscape(target.bucket)}</Bucket><Key>${xmlEscape(target.key)}</Key><UploadId>${upload.uploadId}</UploadId></InitiateMultipartUploadResult>`,
    200,
    headers,
  );
};

export const abortMultipartUpload: Handler = async (ctx) => {
  const { store, target } = ctx;
  await store.multipart.abort(target.bucket, target.key, uploadIdOf(target.query));
  return emptyResponse(204);
};
