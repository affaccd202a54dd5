import { checksumHeaderName } from "../../lib/checksum-algorithm.ts";
import { encryptionOf, isStorageError, type OpenedObject } from "../../storage/index.ts";
import { evaluateConditions, readConditionHeaders } from "../conditions.ts";
import type { Handler, S3Context } from "../context.ts";
import { S3Error } from "../errors.ts";
import { EXPIRATION, expirationHeader } from "../expiration-header.ts";
import { lockResponseHeaders } from "../lock-params.ts";
import { parsePartNumber } from "../multipart-params.ts";
import { applyResponseOverrides, asksResponseOverrides, objectHeaders } from "../object-headers.ts";
import { partRange } from "../part-range.ts";
import { posixAccess } from "../posix-access.ts";
import { resolveRange } from "../range.ts";
import { emptyResponse } from "../responses.ts";
import { readKeysFrom, refuseKmsReadOverSigV2, sseResponseHeaders } from "../sse-headers.ts";
import { versionIdOf } from "../version-params.ts";

function checksumMode(req: Request): boolean {
  return (req.headers.get("x-amz-checksum-mode") ?? "").toUpperCase() === "ENABLED";
}

/**
 * As on S3, a key that does not exist is 404 NoSuchKey only to a caller who may list the bucket
 * (s3:ListBucket); to one who may only read objects it is 403, which tells nothing of which keys
 * exist.
 */
async function missingNeedsList<T>(ctx: S3Context, read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (e) {
    if (isStorageError(e) && e.code === "NoSuchKey" && e.version === undefined) {
      await ctx.authorize("s3:ListBucket", ctx.target.bucket, "");
    }
    throw e;
  }
}

async function serveObject(ctx: S3Context, withBody: boolean): Promise<Response> {
  const { req, store, target } = ctx;
  // As S3: only a signed request may choose the headers an object is served with; otherwise
  // anyone could serve a public object as, for example, text/html from this origin.
  if (ctx.auth.kind === "anonymous" && asksResponseOverrides(target.query)) {
    throw new S3Error(
      "InvalidRequest",
      "Request specific response headers cannot be used for anonymous GET requests.",
    );
  }
  const partParam = target.query.get("partNumber");
  const partNumber = partParam === null ? undefined : parsePartNumber(partParam);
  if (partNumber !== undefined && req.headers.has("range")) {
    throw new S3Error("InvalidRequest", "Cannot specify both Range header and partNumber query parameter");
  }
  const { keys, customer } = readKeysFrom(ctx);
  const versionId = versionIdOf(target.query);
  const access = posixAccess(ctx);
  const opened: OpenedObject = await missingNeedsList(
    ctx,
    withBody
      ? store.openObject(target.bucket, target.key, keys, versionId, access)
      : store.headObject(target.bucket, target.key, keys, versionId, access).then((info) => ({
          info,
          stream: () => new Blob(),
          close() {},
        })),
  );
  let handedOff = false;
  try {
    const { info } = opened;
    refuseKmsReadOverSigV2(ctx, encryptionOf(info));
    const outcome = evaluateConditions(readConditionHeaders(req.headers), info);
    if (outcome === "precondition-failed")
      throw new S3Error("PreconditionFailed", undefined, { Condition: "If-Match" });
    const headers = objectHeaders(info, checksumMode(req));
    for (const [name, value] of Object.entries(sseResponseHeaders(encryptionOf(info), customer)))
      headers.set(name, value);
    if (info.versionId !== undefined) headers.set("x-amz-version-id", info.versionId);
    if (info.tags?.length) headers.set("x-amz-tagging-count", String(info.tags.length));
    // Only current versions expire by Expiration: a read naming a version gets no header.
    const expiration =
      versionId === undefined ? await expirationHeader(store, target.bucket, info) : undefined;
    if (expiration) headers.set(EXPIRATION, expiration);
    for (const [name, value] of Object.entries(await lockResponseHeaders(ctx, info.lock)))
      headers.set(name, value);
    if (outcome === "not-modified") {
      const notModified = new Headers({
        etag: headers.get("etag")!,
        "last-modified": headers.get("last-modified")!,
      });
      return emptyResponse(304, notModified);
    }
    const part = partNumber === undefined ? undefined : partRange(info, partNumber);
    const range = partNumber === undefined ? resolveRange(req.headers.get("range"), info.size) : part;
    if (partNumber !== undefined && info.partsCount)
      headers.set("x-amz-mp-parts-count", String(info.partsCount));
    applyResponseOverrides(headers, target.query);
    let status = 200;
    let start = 0;
    let end = info.size - 1;
    if (range) {
      status = 206;
      ({ start, end } = range);
      headers.set("content-range", `bytes ${start}-${end}/${info.size}`);
      // A ranged read of a checksummed object cannot be verified by the client; a part can,
      // by its own checksum.
      for (const name of [...headers.keys()]) if (name.startsWith("x-amz-checksum-")) headers.delete(name);
      if (part?.checksum && info.checksum && checksumMode(req)) {
        headers.set(checksumHeaderName(info.checksum.algorithm), part.checksum);
        headers.set("x-amz-checksum-type", info.checksum.type);
      }
    }
    headers.set("content-length", String(end - start + 1));
    if (!withBody || info.size === 0) return new Response(null, { status, headers });
    const body = opened.prepare ? await opened.prepare(start, end) : opened.stream(start, end);
    handedOff = true;
    return new Response(body, { status, headers });
  } finally {
    if (!handedOff) opened.close();
  }
}

export const getObject: Handler = (ctx) => serveObject(ctx, true);

export const headObject: Handler = (ctx) => serveObject(ctx, false);
