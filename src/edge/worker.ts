/**
 * The edge worker (workerd / Cloudflare Workers): checks signatures with the hosts' own code before
 * a request reaches them, refuses what fails with the hosts' XML errors, caches GETs it may serve
 * again, and forwards the rest to the origin pool. The origin verifies every request again.
 */
import { isS3Error, S3Error } from "../s3/errors.ts";
import { refuseDotSegments } from "../s3/request-target.ts";
import { type EdgeConfig, type EdgeEnv, edgeConfig } from "./config.ts";
import { carriesCustomerKey, EdgeCache } from "./edge-cache.ts";
import { edgeErrorResponse } from "./error-response.ts";
import { forwardToOrigin } from "./origin-pool.ts";
import { anonymousReadAllowed } from "./public-access.ts";
import { verifyAtEdge } from "./verify.ts";

export type { EdgeEnv } from "./config.ts";

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** The parts of the URL as the client sent them: path and query still percent-encoded. */
function rawTarget(url: string): { path: string; query: string } {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const rest = start < 0 ? "/" : url.slice(start);
  const q = rest.indexOf("?");
  return q < 0 ? { path: rest, query: "" } : { path: rest.slice(0, q), query: rest.slice(q + 1) };
}

/** Path-style bucket and decoded key; empty when the path names no object. */
function objectOf(path: string): { bucket: string; key: string } {
  const slash = path.indexOf("/", 1);
  if (slash < 0) return { bucket: "", key: "" };
  try {
    return {
      bucket: decodeURIComponent(path.slice(1, slash)),
      key: decodeURIComponent(path.slice(slash + 1)),
    };
  } catch {
    return { bucket: "", key: "" };
  }
}

/**
 * A plain object read: no sub-resource, version or response-header override, only the signature
 * (and the `x-id` and checksum mode the AWS SDKs add).
 */
const sdkParams = new Set(["x-id=GetObject", "x-amz-checksum-mode=ENABLED"]);

function isPlainRead(query: string): boolean {
  if (query === "") return true;
  return query.split("&").every((p) => p.startsWith("X-Amz-") || sdkParams.has(p));
}

const edgeCacheOf = (config: EdgeConfig) =>
  new EdgeCache((caches as unknown as { default: Cache }).default, {
    defaultSeconds: config.cacheSeconds,
    grantSeconds: config.grantSeconds,
  });

export default {
  async fetch(req: Request, env: EdgeEnv, ctx: ExecutionContext): Promise<Response> {
    const config = edgeConfig(env);
    const { path, query } = rawTarget(req.url);
    const host = req.headers.get("host") ?? new URL(req.url).host;
    const proto = req.url.startsWith("https:") ? "https" : "http";
    const method = req.method;
    try {
      refuseDotSegments(path);
    } catch (e) {
      if (isS3Error(e)) return edgeErrorResponse(e, method, path);
      throw e;
    }

    const verdict = await verifyAtEdge({ method, path, query, headers: req.headers }, config);
    if (verdict.kind === "refused") return edgeErrorResponse(verdict.error, method, path);

    const target = { path, query, host, proto };
    const forward = () =>
      forwardToOrigin(req, target, { origins: config.origins, retryMs: config.originRetryMs });
    const cache = edgeCacheOf(config);
    const cacheTarget = { host, path };

    if (method === "PUT" || method === "DELETE") {
      const response = await forwardOrError(forward, method, path);
      // Any change through the edge (the object, its tags, an upload's completion) drops the copy.
      // Purged before answering, so a read after the write through this edge sees the new object.
      if (response.status < 300) await cache.purge(cacheTarget).catch(() => {});
      return response;
    }
    if ((method !== "GET" && method !== "HEAD") || !isPlainRead(query))
      return forwardOrError(forward, method, path);

    let principalKey: string | undefined;
    if (verdict.kind === "verified") {
      principalKey = verdict.principal.accessKeyId;
    } else if (verdict.kind === "anonymous" && config.policyReader) {
      const { bucket, key } = objectOf(path);
      const allowed = await anonymousReadAllowed(bucket, key, {
        origins: config.origins,
        region: config.region,
        reader: config.policyReader,
        policySeconds: config.policySeconds,
      }).catch(() => false);
      if (allowed) principalKey = "anonymous";
    }
    // Conditions other than If-None-Match are the origin's to judge, and so is an SSE-C key: a cached
    // copy must never answer without the origin checking the key, nor be made from a decrypted answer.
    const conditional = ["if-match", "if-unmodified-since", "if-modified-since"].some((h) =>
      req.headers.has(h),
    );
    if (principalKey === undefined || conditional || carriesCustomerKey(req.headers, query)) {
      return forwardOrError(forward, method, path);
    }

    const hit = await cache.match(req, cacheTarget, principalKey);
    if (hit) return hit;
    const response = await forwardOrError(forward, method, path);
    if (method !== "GET" || response.status !== 200 || req.headers.has("range") || response.body === null) {
      return response;
    }
    const [toClient, toCache] = response.body.tee();
    ctx.waitUntil(cache.store(cacheTarget, principalKey, new Response(toCache, response)));
    const headers = new Headers(response.headers);
    headers.set("x-s3dir-edge-cache", "miss");
    return new Response(toClient, { status: response.status, headers });
  },
};

async function forwardOrError(
  forward: () => Promise<Response>,
  method: string,
  path: string,
): Promise<Response> {
  try {
    return await forward();
  } catch (e) {
    return edgeErrorResponse(isS3Error(e) ? e : new S3Error("ServiceUnavailable"), method, path);
  }
}
