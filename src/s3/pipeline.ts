import { authenticate } from "../auth/authenticate.ts";
import type { SigV4Crypto } from "../auth/sigv4-crypto.ts";
import type { AuthResult, CredentialLookup } from "../auth/types.ts";
import { pathOfTarget } from "../lib/dot-segments.ts";
import type { ObjectStore } from "../storage/index.ts";
import { type AccessLogSink, loggedRequestHeadersOf, loggedResponseHeadersOf } from "./access-log.ts";
import { fromAuthError } from "./auth-errors.ts";
import { type Authorize, resourceArn } from "./authorize.ts";
import type { S3Context } from "./context.ts";
import { isS3Error, renderErrorXml, S3Error } from "./errors.ts";
import { signedHeadersOf } from "./forwarded-host.ts";
import { withHoistedHeaders } from "./hoisted-headers.ts";
import { hostId, newRequestId } from "./request-id.ts";
import { type RequestTarget, refuseDotSegments, resolveTarget } from "./request-target.ts";
import { type ResolveRoute, routeResolver } from "./resolve-route.ts";
import type { Route } from "./route.ts";
import { type Operation, routes, unservedSubresources } from "./routes.ts";
import type { ServerConfig } from "./server-config.ts";
import { toS3Error } from "./storage-errors.ts";

export interface PipelineDeps {
  store: ObjectStore;
  credentials: CredentialLookup;
  config: ServerConfig;
  log: AccessLogSink;
  /** Decides each action on each resource (the operation's own, copy sources, each key of a batch). */
  authorize: Authorize;
  /** Told when this host changed or removed a bucket's policy, so that it applies at once. */
  bucketPolicyChanged?: (bucket: string) => void;
  /** Hashing and HMAC for signature checks; WebCrypto when not given. */
  sigv4Crypto?: SigV4Crypto;
  /** Called with unexpected errors (bugs, I/O failures) that became InternalError. */
  onInternalError: (error: unknown, requestId: string) => void;
  /** Why writes are refused now (free space below --min-free), or undefined. */
  writesRefused?: () => string | undefined;
}

const resolveRoute: ResolveRoute<Route & { operation: Operation }> = routeResolver(
  routes,
  unservedSubresources,
);

/** authenticate → resolve operation → authorize → handle → render, for every S3 request. */
export function createS3Pipeline(deps: PipelineDeps) {
  const { store, credentials, config, log } = deps;
  /** `rawTarget`: the request target as sent, when the runtime keeps it (Node; Bun resolves dot segments). */
  return async function handleS3(req: Request, remoteIp: string, rawTarget?: string): Promise<Response> {
    const started = performance.now();
    const requestId = newRequestId();
    let target: RequestTarget | undefined;
    let auth: AuthResult | undefined;
    let operation = "Unknown";
    let ctx: S3Context | undefined;
    let response: Response;
    let errorCode: string | undefined;
    try {
      const signedHeaders = signedHeadersOf(req.headers, remoteIp, config.trustedProxies ?? []);
      target = resolveTarget(req.url, signedHeaders.get("host") ?? "", config.domains);
      refuseDotSegments(rawTarget === undefined ? target.rawPath : pathOfTarget(rawTarget));
      auth = await authenticate(
        { method: req.method, path: target.rawPath, query: target.rawQuery, headers: signedHeaders },
        credentials,
        { region: config.region, crypto: deps.sigv4Crypto },
      );
      const route = resolveRoute(req.method, target.bucket, target.key, target.query, req.headers);
      operation = route.operation;
      const authResult = auth;
      const facts = {
        headers: req.headers,
        query: target.query,
        remoteIp,
        secure: req.url.startsWith("https:"),
      };
      const authorizeResource = (action: string, bucket: string, key: string) =>
        deps.authorize(authResult, { action, resource: resourceArn(bucket, key), bucket }, facts);
      if (route.action) await authorizeResource(route.action, target.bucket, target.key);
      const refused = route.writes ? deps.writesRefused?.() : undefined;
      if (refused) {
        throw new S3Error(
          "StorageFull",
          `Writes are refused: ${refused}; free space or delete objects, then retry.`,
        );
      }
      ctx = {
        req:
          authResult.kind === "sigv4" && authResult.presigned ? withHoistedHeaders(req, target.query) : req,
        requestId,
        target,
        operation: route.operation,
        auth: authResult,
        store,
        config,
        bytesIn: 0,
        authorize: authorizeResource,
      };
      response = await route.handler(ctx);
      if (route.changesPolicy && response.status < 300) deps.bucketPolicyChanged?.(target.bucket);
    } catch (caught) {
      const error = toS3Error(fromAuthError(caught), target);
      const s3Error = isS3Error(error) ? error : new S3Error("InternalError");
      if (!isS3Error(error) || s3Error.code === "InternalError") deps.onInternalError(caught, requestId);
      errorCode = s3Error.code;
      response = errorResponse(s3Error, req.method, target?.rawPath ?? "/", requestId);
    }
    response.headers.set("x-amz-request-id", requestId);
    response.headers.set("x-amz-id-2", hostId);
    log({
      time: new Date().toISOString(),
      requestId,
      remoteIp,
      principal: auth?.principal.name ?? "",
      principalKind: auth?.principal.kind ?? "",
      sessionArn: auth?.principal.session?.arn,
      accessKeyId: auth?.principal.accessKeyId ?? "",
      operation,
      method: req.method,
      bucket: target?.bucket ?? "",
      key: target?.key ?? "",
      status: response.status,
      errorCode,
      bytesIn: ctx?.bytesIn ?? 0,
      bytesOut: Number(response.headers.get("content-length") ?? 0),
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      userAgent: req.headers.get("user-agent") ?? "",
      requestHeaders: loggedRequestHeadersOf(req.headers),
      responseHeaders: loggedResponseHeadersOf(response.headers),
    });
    return response;
  };
}

function errorResponse(error: S3Error, method: string, resource: string, requestId: string): Response {
  const headers = new Headers(error.headers);
  if (method === "HEAD" || error.status === 304) {
    if (error.code !== "NotModified") headers.set("x-amz-error-code", error.code);
    return new Response(null, { status: error.status, headers });
  }
  headers.set("content-type", "application/xml");
  const body = new TextEncoder().encode(renderErrorXml(error, resource, requestId));
  headers.set("content-length", String(body.byteLength));
  return new Response(body, { status: error.status, headers });
}
