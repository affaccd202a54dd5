import { Hono } from "hono";
import { pathOfTarget } from "../lib/dot-segments.ts";
import { createBucketCors } from "./cors/bucket-cors.ts";
import { corsMiddleware } from "./cors/cors-middleware.ts";
import { takesDirectPath } from "./direct-path.ts";
import { type AppBindings, type ExchangeDeps, type ExchangeEnv, exchange, newExchange } from "./exchange.ts";
import { type HealthSources, hostScore, hostStatus } from "./health.ts";
import { scoreHeader, scoreText } from "./load-score.ts";
import { createS3Pipeline, type PipelineDeps } from "./pipeline.ts";
import { createQueryPipeline, type QueryActions } from "./query/query-pipeline.ts";
import { isQueryRequest } from "./query/query-request.ts";
import type { UnsignedQueryAction } from "./query/sts-web-identity.ts";
import { s3Protocol } from "./s3-protocol.ts";

export type { AppBindings } from "./exchange.ts";

export interface AppDeps extends PipelineDeps, ExchangeDeps {
  health: HealthSources;
  /** Prometheus text for /metrics; undefined turns the endpoint off. */
  metrics?: () => string | Promise<string>;
  /** STS and IAM actions answered on the same endpoint (form-encoded POST to "/"). */
  queryActions: QueryActions;
  /** STS actions answered without credentials (AssumeRoleWithWebIdentity). */
  unsignedStsActions?: Record<string, UnsignedQueryAction>;
}

/** True when a request carries a SigV4 signature (header or presigned): then it is always S3. */
function isSigned(req: Request): boolean {
  return Boolean(req.headers.get("authorization")) || req.url.includes("X-Amz-Credential=");
}

/**
 * The HTTP application: health and metrics endpoints, then one middleware chain (exchange.ts:
 * request id, timing, error rendering, access log) in front of STS/IAM Query requests and S3.
 * `/health/*` and `/metrics` are also S3 paths (buckets "health" and "metrics"), so only unsigned
 * GETs of exactly those paths are taken; signed requests always reach S3.
 */
export function createApp(deps: AppDeps): Hono<ExchangeEnv> {
  const app = new Hono<ExchangeEnv>();
  const bucketCors = deps.bucketCors ?? createBucketCors(deps.store);
  const handleS3 = createS3Pipeline({ ...deps, bucketCors });
  const handleQuery = createQueryPipeline({
    ...deps,
    actions: deps.queryActions,
  });
  const { middleware, onError, fail, settle } = exchange(deps, s3Protocol);
  // Every response, errors and health checks included, says how loaded this host is, so that a
  // balancer can weigh hosts by it (docs/operations.md, deploy/).
  app.use(async (c, next) => {
    await next();
    try {
      c.res.headers.set(scoreHeader, scoreText(hostScore(deps.health)));
    } catch {
      // A response with immutable headers goes out without the score.
    }
  });
  app.get("/health/live", async (c, next) => (isSigned(c.req.raw) ? next() : c.json({ status: "ok" })));
  app.get("/health/ready", async (c, next) => {
    if (isSigned(c.req.raw)) return next();
    const status = hostStatus(deps.health);
    const body = status.ready ? { status: "ready" } : { status: "not-ready", reasons: status.reasons };
    const detail = c.req.query("format") === "json" ? hostScore(deps.health) : {};
    return c.json({ ...body, ...detail }, status.ready ? 200 : 503);
  });
  app.get("/health/status", async (c, next) =>
    isSigned(c.req.raw) ? next() : c.json(hostStatus(deps.health)),
  );
  if (deps.metrics) {
    const render = deps.metrics;
    app.get("/metrics", async (c, next) =>
      isSigned(c.req.raw)
        ? next()
        : c.text(await render(), 200, { "content-type": "text/plain; version=0.0.4" }),
    );
  }
  app.use(middleware);
  app.use(corsMiddleware(bucketCors));
  app.onError(onError);
  app.all("*", (c) =>
    c.req.method === "POST" && isQueryRequest(c.req.raw, pathOfTarget(c.env.rawTarget ?? c.req.url))
      ? handleQuery(c)
      : handleS3(c.req.raw, c.env, c.get("exchange")),
  );
  // The commonest requests (GET, HEAD and PUT of S3 resources, no Origin) skip Hono's dispatch and the
  // middleware chain: the same pipeline, error rendering, log entry and headers, called directly.
  const dispatch = app.fetch;
  const direct = async (req: Request, env: AppBindings): Promise<Response> => {
    const current = newExchange(s3Protocol);
    let response: Response;
    try {
      response = await handleS3(req, env, current);
    } catch (caught) {
      response = fail(caught, req, current);
    }
    settle(current, req, response, env.remoteIp);
    if (req.method === "HEAD") response = new Response(null, response);
    try {
      response.headers.set(scoreHeader, scoreText(hostScore(deps.health)));
    } catch {
      // As above.
    }
    return response;
  };
  app.fetch = (req, env, ctx) =>
    env !== undefined && takesDirectPath(req) ? direct(req, env as AppBindings) : dispatch(req, env, ctx);
  return app;
}
