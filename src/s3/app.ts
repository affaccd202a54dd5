import { Hono } from "hono";
import { pathOfTarget } from "../lib/dot-segments.ts";
import { type HealthSources, hostStatus } from "./health.ts";
import { createS3Pipeline, type PipelineDeps } from "./pipeline.ts";
import { createQueryPipeline, type QueryActions } from "./query/query-pipeline.ts";
import { isQueryRequest } from "./query/query-request.ts";

export interface AppDeps extends PipelineDeps {
  health: HealthSources;
  /** Prometheus text for /metrics; undefined turns the endpoint off. */
  metrics?: () => string;
  /** STS and IAM actions answered on the same endpoint (form-encoded POST to "/"). */
  queryActions: QueryActions;
}

/** True when a request carries a SigV4 signature (header or presigned): then it is always S3. */
function isSigned(req: Request): boolean {
  return req.headers.has("authorization") || req.url.includes("X-Amz-Credential=");
}

/**
 * The HTTP application: health and metrics endpoints, STS/IAM Query requests, then every other
 * request is S3. `/health/*` and `/metrics` are also S3 paths (buckets "health" and "metrics"), so
 * only unsigned GETs of exactly those paths are taken; signed requests always reach S3.
 */
/** What the runtime tells the app about each request (Hono bindings: `app.fetch(req, { remoteIp })`). */
export type AppBindings = {
  remoteIp: string;
  /** The request target exactly as sent, when the runtime keeps it (see pipeline.ts). */
  rawTarget?: string;
};

export function createApp(deps: AppDeps): Hono<{ Bindings: AppBindings }> {
  const app = new Hono<{ Bindings: AppBindings }>();
  const handleS3 = createS3Pipeline(deps);
  const handleQuery = createQueryPipeline({ ...deps, actions: deps.queryActions });
  const s3 = (req: Request, remoteIp: string, rawTarget?: string) =>
    req.method === "POST" && isQueryRequest(req, pathOfTarget(rawTarget ?? req.url))
      ? handleQuery(req, remoteIp)
      : handleS3(req, remoteIp, rawTarget);
  app.use("/health/*", async (c, next) =>
    isSigned(c.req.raw) ? s3(c.req.raw, c.env.remoteIp, c.env.rawTarget) : await next(),
  );
  app.use("/metrics", async (c, next) =>
    isSigned(c.req.raw) ? s3(c.req.raw, c.env.remoteIp, c.env.rawTarget) : await next(),
  );
  app.get("/health/live", (c) => c.json({ status: "ok" }));
  app.get("/health/ready", (c) => {
    const status = hostStatus(deps.health);
    return status.ready
      ? c.json({ status: "ready" })
      : c.json({ status: "not-ready", reasons: status.reasons }, 503);
  });
  app.get("/health/status", (c) => c.json(hostStatus(deps.health)));
  if (deps.metrics) {
    const render = deps.metrics;
    app.get("/metrics", (c) => c.text(render(), 200, { "content-type": "text/plain; version=0.0.4" }));
  }
  app.all("*", (c) => s3(c.req.raw, c.env.remoteIp, c.env.rawTarget));
  return app;
}
