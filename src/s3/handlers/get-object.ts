import type { Handler, S3Context } from "../context.ts";
import { evaluateConditions, readConditionHeaders } from "../conditions.ts";
import { S3Error } from "../errors.ts";
import { applyResponseOverrides, objectHeaders } from "../object-headers.ts";
import { resolveRange } from "../range.ts";
import { emptyResponse } from "../responses.ts";

function checksumMode(req: Request): boolean {
  return (req.headers.get("x-amz-checksum-mode") ?? "").toUpperCase() === "ENABLED";
}

async function serveObject(ctx: S3Context, withBody: boolean): Promise<Response> {
  const { req, store, target } = ctx;
  const opened = withBody
    ? await store.openObject(target.bucket, target.key)
    : { info: await store.headObject(target.bucket, target.key), stream: () => new Blob(), close() {} };
  let handedOff = false;
  try {
    const { info } = opened;
    const outcome = evaluateConditions(readConditionHeaders(req.headers), info);
    if (outcome === "precondition-failed") throw new S3Error("PreconditionFailed", undefined, { Condition: "If-Match" });
    const headers = objectHeaders(info, checksumMode(req));
    if (outcome === "not-modified") {
      const notModified = new Headers({ etag: headers.get("etag")!, "last-modified": headers.get("last-modified")! });
      return emptyResponse(304, notModified);
    }
    const range = resolveRange(req.headers.get("range"), info.size);
    applyResponseOverrides(headers, target.query);
    let status = 200;
    let start = 0;
    let end = info.size - 1;
    if (range) {
      status = 206;
      ({ start, end } = range);
      headers.set("content-range", `bytes ${start}-${end}/${info.size}`);
      // A ranged read of a checksummed object cannot be verified by the client.
      for (const name of [...headers.keys()]) if (name.startsWith("x-amz-checksum-")) headers.delete(name);
    }
    headers.set("content-length", String(end - start + 1));
    if (!withBody || info.size === 0) return new Response(null, { status, headers });
    handedOff = true;
    return new Response(opened.stream(start, end), { status, headers });
  } finally {
    if (!handedOff) opened.close();
  }
}

export const getObject: Handler = (ctx) => serveObject(ctx, true);

export const headObject: Handler = async (ctx) => {
  const partNumber = ctx.target.query.get("partNumber");
  if (partNumber !== null && partNumber !== "1") {
    throw new S3Error("InvalidPart", "The requested partnumber is not satisfiable");
  }
  return serveObject(ctx, false);
};
