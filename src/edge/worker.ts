/**
 * The edge worker (workerd / Cloudflare Workers): checks signatures with the hosts' own code before
 * a request reaches them, refuses what fails with the hosts' XML errors, caches GETs it may serve
 * again, and forwards the rest to the origin pool. The origin verifies every request again.
 */
import { Hono } from "hono";
import { isS3Error, S3Error } from "../s3/errors.ts";
import { refuseDotSegments, resolveTarget } from "../s3/request-target.ts";
import { type EdgeConfig, type EdgeEnv, edgeConfig } from "./config.ts";
import { carriesCustomerKey, EdgeCache } from "./edge-cache.ts";
import { edgeRefusal } from "./error-response.ts";
import { forwardToOrigin } from "./origin-pool.ts";
import { anonymousReadAllowed } from "./public-access.ts";
import { bufferQueryRequest, isQueryApiRequest, queryRefusal, queryServices } from "./query-api.ts";
import { rawTargetOf } from "./raw-target.ts";
import { verifyAtEdge } from "./verify.ts";

export type { EdgeEnv } from "./config.ts";

/** The bucket and decoded key a request names (as the hosts resolve them); empty when no object. */
function objectOf(url: string, host: string, domains: readonly string[]): { bucket: string; key: string } {
  try {
    const { bucket, key } = resolveTarget(url, host, domains);
    return key === "" ? { bucket: "", key: "" } : { bucket, key };
  } catch {
    return { bucket: "", key: "" };
  }
}

/**
 * A plain object read: no sub-resource, version or response-header override, only the signature
 * (and the `x-id` and checksum mode the AWS SDKs add).
 */
const sdkParams = new Set(["x-id=GetObject", "x-amz-checksum-mode=ENABLED"]);

/** The parameters of a SigV2 link (boto3 `signature_version='s3'`, s3cmd `signurl`). */
const sigV2Param = /^(AWSAccessKeyId|Expires|Signature|x-amz-security-token)=/;

function isPlainRead(query: string): boolean {
  if (query === "") return true;
  return query.split("&").every((p) => p.startsWith("X-Amz-") || sdkParams.has(p) || sigV2Param.test(p));
}

/**
 * `/_console` and what is under it on the hosts' own names: no bucket can take that name (bucket
 * names have no `_`). Under a bucket's virtual-hosted name it is that bucket's key `_console/…`.
 */
function isConsoleRequest(path: string, host: string, domains: readonly string[]): boolean {
  if (path !== "/_console" && !path.startsWith("/_console/")) return false;
  return domains.length === 0 || !resolveTarget("/", host, domains).virtualHosted;
}

const edgeCacheOf = (config: EdgeConfig) =>
  new EdgeCache((caches as unknown as { default: Cache }).default, {
    defaultSeconds: config.cacheSeconds,
    grantSeconds: config.grantSeconds,
  });

/** The origin's answer; an origin that cannot be reached is 503 ServiceUnavailable. */
async function fromOrigin(forward: () => Promise<Response>): Promise<Response> {
  try {
    return await forward();
  } catch (e) {
    throw isS3Error(e) ? e : new S3Error("ServiceUnavailable");
  }
}

/** The worker: a Hono app whose refusals (anything thrown) are rendered by edgeRefusal. */
export const edgeApp = new Hono<{ Bindings: EdgeEnv }>();
edgeApp.onError(edgeRefusal);

edgeApp.all("*", async (c) => {
  let req = c.req.raw;
  const config = edgeConfig(c.env);
  const { path, query } = rawTargetOf(req.url);
  const host = req.headers.get("host") ?? new URL(req.url).host;
  const proto = req.url.startsWith("https:") ? "https" : "http";
  const method = req.method;
  refuseDotSegments(path);

  const target = { path, query, host, proto };
  const forward = () =>
    fromOrigin(() =>
      forwardToOrigin(req, target, { origins: config.origins, retryMs: config.originRetryMs }),
    );
  // A CORS preflight carries no credentials (a presigned URL's signature is for another method):
  // the hosts answer it from the bucket's rules, which the edge does not hold. The web console's
  // page, assets and endpoints (src/console/server/console-handler.ts) are the hosts' own: no
  // object, no signature of their own to check, nothing to cache here.
  if (method === "OPTIONS" || isConsoleRequest(path, host, config.domains)) return forward();

  if (isQueryApiRequest(method, path, req.headers)) {
    let buffered: Awaited<ReturnType<typeof bufferQueryRequest>>;
    try {
      buffered = await bufferQueryRequest(req);
    } catch (e) {
      if (isS3Error(e)) return queryRefusal(e, "", { headers: req.headers, query });
      throw e;
    }
    req = buffered.request;
    const signed = { method, path, query, headers: req.headers, bodySha256: buffered.bodySha256 };
    const verdict = await verifyAtEdge(signed, config, undefined, queryServices);
    if (verdict.kind === "refused") return queryRefusal(verdict.error, buffered.form, signed);
    return forward();
  }

  const verdict = await verifyAtEdge({ method, path, query, headers: req.headers }, config);
  if (verdict.kind === "refused") throw verdict.error;
  const cache = edgeCacheOf(config);
  const cacheTarget = { host, path };

  if (method === "PUT" || method === "DELETE") {
    const response = await forward();
    // Any change through the edge (the object, its tags, an upload's completion) drops the copy.
    // Purged before answering, so a read after the write through this edge sees the new object.
    if (response.status < 300) await cache.purge(cacheTarget).catch(() => {});
    return response;
  }
  if ((method !== "GET" && method !== "HEAD") || !isPlainRead(query)) return forward();

  let principalKey: string | undefined;
  if (verdict.kind === "verified") {
    principalKey = verdict.principal.accessKeyId;
  } else if (verdict.kind === "anonymous" && config.policyReader) {
    const { bucket, key } = objectOf(req.url, host, config.domains);
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
  if (principalKey === undefined || conditional || carriesCustomerKey(req.headers, query)) return forward();
  // The host's Access-Control-* answer depends on the Origin: a grant is per principal and origin.
  const origin = req.headers.get("origin");
  if (origin !== null) principalKey = `${principalKey}\n${origin}`;

  const hit = await cache.match(req, cacheTarget, principalKey);
  if (hit) return hit;
  const response = await forward();
  if (method !== "GET" || response.status !== 200 || req.headers.has("range") || response.body === null) {
    return response;
  }
  const [toClient, toCache] = response.body.tee();
  c.executionCtx.waitUntil(cache.store(cacheTarget, principalKey, new Response(toCache, response)));
  const headers = new Headers(response.headers);
  headers.set("x-s3dir-edge-cache", "miss");
  return new Response(toClient, { status: response.status, headers });
});

export default edgeApp;
