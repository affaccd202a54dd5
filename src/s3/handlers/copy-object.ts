import { toIsoDate } from "../../lib/http-date.ts";
import { encryptionOf } from "../../storage/index.ts";
import { objectAclFromRequest } from "../acl/write-acl.ts";
import { checkCopySourceConditions } from "../conditions.ts";
import type { Handler } from "../context.ts";
import { parseCopySource } from "../copy-source.ts";
import { S3Error } from "../errors.ts";
import { checkExpectedOwner } from "../expected-owner.ts";
import { EXPIRATION, expirationHeader } from "../expiration-header.ts";
import { lockRequestFrom } from "../lock-params.ts";
import { attributesFromRequest } from "../object-headers.ts";
import { posixAccess } from "../posix-access.ts";
import { quoteEtag, s3Namespace, xmlResponse } from "../responses.ts";
import { readKeysFrom, SSE, sseResponseHeaders, writeEncryptionFrom } from "../sse-headers.ts";
import { checkStorageClass } from "../storage-class.ts";
import { taggingHeaderOf } from "../tags.ts";
import { copySourceError } from "../version-errors.ts";
import { writtenVersionHeaders } from "../version-params.ts";
import { writeConditionsFrom } from "../write-conditions.ts";
import { writerOwner } from "../writer-owner.ts";

export const copyObject: Handler = async (ctx) => {
  const { req, store, target } = ctx;
  const source = parseCopySource(req.headers.get("x-amz-copy-source")!);
  await checkExpectedOwner(
    ctx.config.owners,
    source.bucket,
    req.headers.get("x-amz-source-expected-bucket-owner"),
  );
  if (source.versionId === undefined) await ctx.authorize("s3:GetObject", source.bucket, source.key);
  else await ctx.authorize("s3:GetObjectVersion", source.bucket, source.key, source.versionId);
  const directive = (req.headers.get("x-amz-metadata-directive") ?? "COPY").toUpperCase();
  if (directive !== "COPY" && directive !== "REPLACE") {
    throw new S3Error("InvalidArgument", "Unknown metadata directive.", {
      ArgumentName: "x-amz-metadata-directive",
      ArgumentValue: directive,
    });
  }
  const tagging = (req.headers.get("x-amz-tagging-directive") ?? "COPY").toUpperCase();
  if (tagging !== "COPY" && tagging !== "REPLACE") {
    throw new S3Error("InvalidArgument", "Unknown tagging directive.", {
      ArgumentName: "x-amz-tagging-directive",
      ArgumentValue: tagging,
    });
  }
  const tags = tagging === "REPLACE" ? (taggingHeaderOf(req.headers) ?? []) : undefined;
  checkStorageClass(req.headers);
  const lock = lockRequestFrom(req.headers);
  // A copy never takes its source's ACL: it gets the one asked for, or none (its owner alone).
  const acl = await objectAclFromRequest(ctx, target.bucket);
  const sse = await writeEncryptionFrom(ctx);
  const { keys: sourceKeys } = readKeysFrom(ctx, true);
  const sameObject =
    source.bucket === target.bucket && source.key === target.key && source.versionId === undefined;
  const changesEncryption = req.headers.has(SSE) || sse.customer !== undefined || sourceKeys !== undefined;
  // A storage class asked for is a change, as on S3 (tools set a tier this way); s3dir keeps one
  // storage class, so the copy only rewrites the object in place.
  const changesStorageClass = req.headers.has("x-amz-storage-class");
  if (sameObject && directive === "COPY" && !changesEncryption && !changesStorageClass) {
    throw new S3Error(
      "InvalidRequest",
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const result = await store
    .copyObject({
      sourceBucket: source.bucket,
      sourceKey: source.key,
      sourceVersionId: source.versionId,
      bucket: target.bucket,
      key: target.key,
      attributes: directive === "REPLACE" ? attributesFromRequest(req.headers) : undefined,
      sourceCheck: (info) => checkCopySourceConditions(req.headers, info),
      conditions: writeConditionsFrom(req.headers),
      sourceKeys,
      encryption: sse.request,
      lock,
      tags,
      acl,
      owner: writerOwner(ctx),
      access: posixAccess(ctx),
    })
    .catch((e) => {
      throw copySourceError(e);
    });
  const expiration = await expirationHeader(store, target.bucket, { key: target.key, ...result });
  return xmlResponse(
    `<CopyObjectResult xmlns="${s3Namespace}"><LastModified>${toIsoDate(result.lastModified)}</LastModified><ETag>${quoteEtag(result.etag)}</ETag></CopyObjectResult>`,
    200,
    {
      ...sseResponseHeaders(encryptionOf(result), sse.customer, true),
      ...writtenVersionHeaders(result),
      ...(result.sourceVersionId === undefined
        ? {}
        : { "x-amz-copy-source-version-id": result.sourceVersionId }),
      ...(expiration ? { [EXPIRATION]: expiration } : {}),
    },
  );
};
