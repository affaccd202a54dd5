import { checksumHeaderName } from "../../lib/checksum-algorithm.ts";
import { toIsoDate } from "../../lib/http-date.ts";
import { encryptionOf } from "../../storage/index.ts";
import { checksumXml } from "../checksum-xml.ts";
import { checkCopySourceConditions } from "../conditions.ts";
import type { Handler } from "../context.ts";
import { parseCopySource } from "../copy-source.ts";
import { checkExpectedOwner } from "../expected-owner.ts";
import { hasIntegrityHeader, requireIntegrityHeader } from "../integrity-header.ts";
import { parseCopySourceRange, parsePartNumber, uploadIdOf } from "../multipart-params.ts";
import { posixAccess } from "../posix-access.ts";
import { emptyResponse, quoteEtag, s3Namespace, xmlResponse } from "../responses.ts";
import { readKeysFrom, sseResponseHeaders } from "../sse-headers.ts";
import { uploadBody } from "../upload-body.ts";
import { copySourceError } from "../version-errors.ts";

export const uploadPart: Handler = async (ctx) => {
  const { req, store, target } = ctx;
  const partNumber = parsePartNumber(target.query.get("partNumber"));
  // As S3: the parts of an upload that asked for object lock carry a digest of their bytes. The
  // upload is read only for a part sent without one.
  if (!hasIntegrityHeader(req.headers)) {
    const upload = await store.multipart.describe(target.bucket, target.key, uploadIdOf(target.query));
    if (upload.lock) requireIntegrityHeader(req.headers);
  }
  const sse = readKeysFrom(ctx);
  const body = uploadBody(ctx);
  const part = await store.multipart.uploadPart({
    bucket: target.bucket,
    key: target.key,
    uploadId: uploadIdOf(target.query),
    partNumber,
    body: body.stream,
    verify: body.verify,
    keys: sse.keys,
  });
  ctx.bytesIn += part.size;
  const headers: Record<string, string> = {
    etag: quoteEtag(part.etag),
    ...sseResponseHeaders(encryptionOf(part), sse.customer),
  };
  if (part.checksum) headers[checksumHeaderName(part.checksum.algorithm)] = part.checksum.value;
  return emptyResponse(200, headers);
};

export const uploadPartCopy: Handler = async (ctx) => {
  const { req, store, target } = ctx;
  const partNumber = parsePartNumber(target.query.get("partNumber"));
  const source = parseCopySource(req.headers.get("x-amz-copy-source")!);
  await checkExpectedOwner(
    ctx.config.owners,
    source.bucket,
    req.headers.get("x-amz-source-expected-bucket-owner"),
  );
  if (source.versionId === undefined) await ctx.authorize("s3:GetObject", source.bucket, source.key);
  else await ctx.authorize("s3:GetObjectVersion", source.bucket, source.key, source.versionId);
  const sse = readKeysFrom(ctx);
  const sourceKeys = readKeysFrom(ctx, true).keys;
  const part = await store.multipart
    .uploadPartCopy({
      bucket: target.bucket,
      key: target.key,
      uploadId: uploadIdOf(target.query),
      partNumber,
      sourceBucket: source.bucket,
      sourceKey: source.key,
      sourceVersionId: source.versionId,
      range: parseCopySourceRange(req.headers.get("x-amz-copy-source-range")),
      sourceCheck: (info) => checkCopySourceConditions(req.headers, info),
      keys: sse.keys,
      sourceKeys,
      access: posixAccess(ctx),
    })
    .catch((e) => {
      throw copySourceError(e);
    });
  return xmlResponse(
    `<CopyPartResult xmlns="${s3Namespace}"><LastModified>${toIsoDate(part.lastModified)}</LastModified><ETag>${quoteEtag(part.etag)}</ETag>${checksumXml(part.checksum)}</CopyPartResult>`,
    200,
    {
      ...sseResponseHeaders(encryptionOf(part), sse.customer),
      ...(part.sourceVersionId === undefined ? {} : { "x-amz-copy-source-version-id": part.sourceVersionId }),
    },
  );
};
