import { checksumHeaderName } from "../../lib/checksum-algorithm.ts";
import { encryptionOf } from "../../storage/index.ts";
import { objectAclFromRequest } from "../acl/write-acl.ts";
import type { Handler } from "../context.ts";
import { EXPIRATION, expirationHeader } from "../expiration-header.ts";
import { putLockRequestFrom } from "../lock-params.ts";
import { attributesFromRequest } from "../object-headers.ts";
import { posixAccess } from "../posix-access.ts";
import { emptyResponse, quoteEtag } from "../responses.ts";
import { sseResponseHeaders, writeEncryptionFrom } from "../sse-headers.ts";
import { checkStorageClass } from "../storage-class.ts";
import { taggingHeaderOf } from "../tags.ts";
import { uploadBody } from "../upload-body.ts";
import { writtenVersionHeaders } from "../version-params.ts";
import { writeConditionsFrom } from "../write-conditions.ts";
import { writerOwner } from "../writer-owner.ts";

export const putObject: Handler = async (ctx) => {
  const { req, store, target } = ctx;
  checkStorageClass(req.headers);
  const attributes = attributesFromRequest(req.headers);
  const tags = taggingHeaderOf(req.headers);
  if (tags) attributes.tags = tags;
  const acl = await objectAclFromRequest(ctx, target.bucket);
  if (acl) attributes.acl = acl;
  const conditions = writeConditionsFrom(req.headers);
  const lock = await putLockRequestFrom(req.headers, () => store.hasDefaultRetention(target.bucket));
  const sse = await writeEncryptionFrom(ctx);
  const body = uploadBody(ctx);
  const result = await store.putObject({
    bucket: target.bucket,
    key: target.key,
    body: body.source,
    attributes,
    verify: body.verify,
    conditions,
    encryption: sse.request,
    lock,
    owner: writerOwner(ctx),
    access: posixAccess(ctx),
  });
  ctx.bytesIn += result.size;
  const headers: Record<string, string> = {
    etag: quoteEtag(result.etag),
    ...sseResponseHeaders(encryptionOf(result), sse.customer, true),
    ...writtenVersionHeaders(result),
  };
  if (result.checksum) {
    headers[checksumHeaderName(result.checksum.algorithm)] = result.checksum.value;
    headers["x-amz-checksum-type"] = result.checksum.type;
  }
  const expiration = await expirationHeader(store, target.bucket, { key: target.key, tags, ...result });
  if (expiration) headers[EXPIRATION] = expiration;
  return emptyResponse(200, headers);
};
