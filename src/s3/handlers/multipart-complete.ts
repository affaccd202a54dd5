import { type CompleteResult, encryptionOf, isStorageError } from "../../storage/index.ts";
import { completeParts } from "../bodies/complete-multipart-upload.ts";
import { checksumXml } from "../checksum-xml.ts";
import type { Handler, S3Context } from "../context.ts";
import { isS3Error, renderErrorXml, S3Error } from "../errors.ts";
import { EXPIRATION, expirationHeader } from "../expiration-header.ts";
import { keepAliveResponse } from "../keepalive-response.ts";
import { checksumHeader, parseChecksumType, uploadIdOf } from "../multipart-params.ts";
import { posixAccess } from "../posix-access.ts";
import { readXmlBody } from "../request-body.ts";
import { quoteEtag, s3Namespace, xmlResponse } from "../responses.ts";
import { readKeysFrom, sseResponseHeaders } from "../sse-headers.ts";
import { toS3Error } from "../storage-errors.ts";
import { writtenVersionHeaders } from "../version-params.ts";
import { writeConditionsFrom } from "../write-conditions.ts";
import { writerOwner } from "../writer-owner.ts";
import { xmlEscape } from "../xml/escape.ts";
import type { XmlElement } from "../xml/parse.ts";

const maxBodyBytes = 4 * 1024 * 1024;
/** Answer 200 and keep the connection alive with spaces when completing takes longer than this. */
const KEEPALIVE_AFTER_MS = 2000;
const KEEPALIVE_INTERVAL_MS = 5000;

export const completeMultipartUpload: Handler = async (ctx) => {
  const { req, store, target } = ctx;
  const checksum = checksumHeader(req.headers);
  const checksumType = parseChecksumType(req.headers.get("x-amz-checksum-type"));
  const objectSize = parseObjectSize(req.headers.get("x-amz-mp-object-size"));
  const conditions = writeConditionsFrom(req.headers);
  const sse = readKeysFrom(ctx);
  const parts = completeParts(await readCompleteBody(ctx));
  const uploadId = uploadIdOf(target.query);
  const input = {
    bucket: target.bucket,
    key: target.key,
    uploadId,
    parts,
    conditions,
    checksum,
    checksumType,
    objectSize,
    keys: sse.keys,
    owner: writerOwner(ctx),
    access: posixAccess(ctx),
  };
  // Known before the work starts: the headers of a long Complete go out with its first byte.
  const upload = await store.multipart.describe(target.bucket, target.key, uploadId).catch((e) => {
    if (isStorageError(e) && e.code === "NoSuchUpload") return undefined;
    throw e;
  });
  if (!upload) {
    // Completed already: the store answers a repeated Complete with the object's result, as S3.
    const result = await store.multipart.complete(input);
    return xmlResponse(resultXml(ctx, result), 200, writtenVersionHeaders(result));
  }
  const versionId = await store.multipart.reserveVersionId(target.bucket, target.key);
  let expiration: string | undefined;
  const work = store.multipart.complete({ ...input, versionId }).then(async (result) => {
    // Known only now: a rule may filter on the object's size.
    const tags = upload.attributes.tags;
    expiration = await expirationHeader(store, target.bucket, { key: target.key, tags, ...result });
    return resultXml(ctx, result);
  });
  return await keepAliveResponse(work, {
    headers: {
      ...sseResponseHeaders(encryptionOf(upload), sse.customer),
      ...writtenVersionHeaders({ versionId }),
    },
    lateHeaders: (): Record<string, string> => (expiration ? { [EXPIRATION]: expiration } : {}),
    firstByteAfterMs: KEEPALIVE_AFTER_MS,
    intervalMs: KEEPALIVE_INTERVAL_MS,
    errorXml: (e) => {
      const converted = toS3Error(e, target);
      const error = isS3Error(converted) ? converted : new S3Error("InternalError");
      return renderErrorXml(error, target.rawPath, ctx.requestId).replace(/^<\?xml[^>]*\?>\s*/, "");
    },
  });
};

function resultXml(ctx: S3Context, result: CompleteResult): string {
  const { target } = ctx;
  const path = target.key.split("/").map(encodeURIComponent).join("/");
  const location = `http://${target.host}${target.virtualHosted ? "" : `/${target.bucket}`}/${path}`;
  let xml = `<CompleteMultipartUploadResult xmlns="${s3Namespace}"><Location>${xmlEscape(location)}</Location>`;
  xml += `<Bucket>${xmlEscape(target.bucket)}</Bucket><Key>${xmlEscape(target.key)}</Key><ETag>${xmlEscape(quoteEtag(result.etag))}</ETag>`;
  if (result.checksum)
    xml += `${checksumXml(result.checksum)}<ChecksumType>${result.checksum.type}</ChecksumType>`;
  return `${xml}</CompleteMultipartUploadResult>`;
}

/**
 * The XML body. Its x-amz-checksum-* headers describe the object being completed, not the body,
 * so they are kept away from the body checks (Content-MD5 and a signed SHA-256 still apply).
 */
async function readCompleteBody(ctx: S3Context): Promise<XmlElement> {
  const headers = new Headers(ctx.req.headers);
  for (const name of [...headers.keys()]) {
    if (name.startsWith("x-amz-checksum-") || name === "x-amz-sdk-checksum-algorithm") headers.delete(name);
  }
  const bodyCtx: S3Context = { ...ctx, req: new Request(ctx.req, { headers }) };
  const root = await readXmlBody(bodyCtx, maxBodyBytes, true);
  ctx.bytesIn += bodyCtx.bytesIn - ctx.bytesIn;
  return root;
}

function parseObjectSize(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (!/^\d{1,16}$/.test(value.trim())) {
    throw new S3Error("InvalidArgument", "x-amz-mp-object-size must be a non-negative integer.", {
      ArgumentName: "x-amz-mp-object-size",
      ArgumentValue: value,
    });
  }
  return Number(value.trim());
}
