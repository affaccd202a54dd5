import { authenticate } from "../auth/authenticate.ts";
import type { SigV4Crypto } from "../auth/sigv4-crypto.ts";
import type { AuthResult, CredentialLookup } from "../auth/types.ts";
import { pathOfTarget } from "../lib/dot-segments.ts";
import type { ObjectStore, ObjectTag } from "../storage/index.ts";
import { type Authorize, type LockFacts, type RequestFacts, resourceArn } from "./authorize.ts";
import type { S3Context } from "./context.ts";
import { type BucketCors, createBucketCors } from "./cors/bucket-cors.ts";
import { S3Error } from "./errors.ts";
import type { AppBindings, Exchange } from "./exchange.ts";
import { checkExpectedOwner } from "./expected-owner.ts";
import { signedHeadersOf } from "./forwarded-host.ts";
import { withHoistedHeaders } from "./hoisted-headers.ts";
import { checkKeyLength } from "./key-length.ts";
import { missingKeyForLister } from "./missing-key.ts";
import { refuseDotSegments, resolveTarget } from "./request-target.ts";
import { routeResolver } from "./resolve-route.ts";
import { actionOf } from "./route.ts";
import { routes, unservedPaths, unservedSubresources } from "./routes.ts";
import type { ServerConfig } from "./server-config.ts";
import { withSingleContentLength } from "./single-content-length.ts";
import type { ObjectTagsReader } from "./tag-conditions.ts";

export interface PipelineDeps {
  store: ObjectStore;
  credentials: CredentialLookup;
  config: ServerConfig;
  /** Decides each action on each resource (the operation's own, copy sources, each key of a batch). */
  authorize: Authorize;
  /** Told when this host changed or removed a bucket's policy, so that it applies at once. */
  bucketPolicyChanged?: (bucket: string) => void;
  /** The buckets' CORS rules, cached per host; made from `store` when not given. */
  bucketCors?: BucketCors;
  /** Hashing and HMAC for signature checks; WebCrypto when not given. */
  sigv4Crypto?: SigV4Crypto;
  /** Why writes are refused now (free space below --min-free), or undefined. */
  writesRefused?: () => string | undefined;
}

const resolveRoute = routeResolver(routes, unservedSubresources, unservedPaths);

/** Who an unauthenticated route (a CORS preflight) is answered for. */
const unauthenticated: AuthResult = {
  kind: "anonymous",
  principal: { kind: "anonymous", name: "", accessKeyId: "" },
  payload: { kind: "unsigned" },
};

/**
 * authenticate → resolve the route → authorize → handle, for every S3 request. What it learns goes
 * into the exchange (exchange.ts), which logs the request; what it throws the exchange renders.
 */
export function createS3Pipeline(deps: PipelineDeps) {
  const { store, credentials, config } = deps;
  const cors = deps.bucketCors ?? createBucketCors(store);
  const trustedProxies = config.trustedProxies ?? [];
  const signing = { region: config.region, crypto: deps.sigv4Crypto, sigv2: config.sigv2 };
  const objectTags: ObjectTagsReader = async (bucket, key, versionId) =>
    (await store.getObjectTagging(bucket, key, versionId)).tags;
  return async function handleS3(sent: Request, env: AppBindings, exchange: Exchange): Promise<Response> {
    const req = withSingleContentLength(sent);
    const { remoteIp, rawTarget } = env;
    const signedHeaders = signedHeadersOf(req.headers, remoteIp, trustedProxies);
    const target = resolveTarget(req.url, signedHeaders.get("host") ?? "", config.domains);
    exchange.target = target;
    refuseDotSegments(rawTarget === undefined ? target.rawPath : pathOfTarget(rawTarget));
    // Only OPTIONS has routes answered before authentication; every other method is authenticated first.
    const early =
      req.method === "OPTIONS"
        ? resolveRoute(req.method, target.bucket, target.key, target.query, req.headers)
        : undefined;
    const auth = early?.unauthenticated
      ? unauthenticated
      : await authenticate(
          {
            method: req.method,
            path: target.rawPath,
            query: target.rawQuery,
            queryParams: target.query.params,
            headers: signedHeaders,
            virtualBucket: target.virtualHosted ? target.bucket : undefined,
          },
          credentials,
          signing,
        );
    exchange.auth = auth;
    let current = auth;
    const route = early ?? resolveRoute(req.method, target.bucket, target.key, target.query, req.headers);
    exchange.operation = route.operation;
    const facts: RequestFacts = {
      headers: req.headers,
      query: target.query,
      remoteIp,
      secure: req.url.startsWith("https:"),
      objectTags,
    };
    const authorizeResource = (
      action: string,
      bucket: string,
      key: string,
      versionId?: string,
      lock?: LockFacts,
      tags?: ObjectTag[],
    ) =>
      deps.authorize(
        current,
        { action, resource: resourceArn(bucket, key), bucket, key },
        versionId === undefined && lock === undefined && tags === undefined
          ? facts
          : { ...facts, versionId, lock, tags },
      );
    const action = route.unauthenticated ? undefined : actionOf(route, target.query);
    if (action) {
      await authorizeResource(action, target.bucket, target.key).catch(async (refusal: unknown) => {
        const listed = () => authorizeResource("s3:ListBucket", target.bucket, "");
        throw (await missingKeyForLister(route.operation, target, store, listed)) ?? refusal;
      });
    }
    const refused = route.writes ? deps.writesRefused?.() : undefined;
    if (refused) {
      throw new S3Error(
        "StorageFull",
        `Writes are refused: ${refused}; free space or delete objects, then retry.`,
      );
    }
    const ctx: S3Context = {
      req:
        auth.kind === "sigv4" && auth.presigned
          ? withHoistedHeaders(req, target.query, target.rawQuery)
          : req,
      requestId: exchange.requestId,
      target,
      operation: route.operation,
      auth,
      store,
      config,
      cors,
      bytesIn: 0,
      authorize: authorizeResource,
      credentials,
      authenticated(next) {
        current = next;
        ctx.auth = next;
        exchange.auth = next;
      },
    };
    checkKeyLength(target.key);
    const expectedOwner = ctx.req.headers.get("x-amz-expected-bucket-owner");
    if (expectedOwner !== null && route.operation !== "CreateBucket") {
      await checkExpectedOwner(config.owners, target.bucket, expectedOwner);
    }
    let response: Response;
    try {
      response = await route.handler(ctx);
    } finally {
      exchange.bytesIn = ctx.bytesIn;
    }
    if (route.changesPolicy && response.status < 300) deps.bucketPolicyChanged?.(target.bucket);
    return response;
  };
}
