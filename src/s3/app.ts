import { Hono } from "hono";
import { createS3Pipeline, type PipelineDeps } from "./pipeline.ts";
import { createQueryPipeline, type QueryActions } from "./query/query-pipeline.ts";
import { isQueryRequest } from "./query/query-request.ts";

export interface AppDeps extends PipelineDeps {
  /** False while the server is shutting down, so load balancers stop sending. */
  isReady: () => boolean;
  /** The client address of a request, as the runtime sees it. */
  remoteIp: (req: Request) => string;
  /** STS and IAM actions answered on the same endpoint (form-encoded POST to "/"). */
  queryActions: QueryActions;
}

/** The HTTP application: health endpoints, STS/IAM Query requests, then every other request is S3. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const handleS3 = createS3Pipeline(deps);
  app.get("/health/live", (c) => c.json({ status: "ok" }));
  app.get("/health/ready", (c) =>
    deps.isReady() ? c.json({ status: "ready" }) : c.json({ status: "shutting-down" }, 503),
  );
  const handleQuery = createQueryPipeline({ ...deps, actions: deps.queryActions });
  app.all("*", (c) => {
    const req = c.req.raw;
    return isQueryRequest(req, c.req.path)
      ? handleQuery(req, deps.remoteIp(req))
      : handleS3(req, deps.remoteIp(req));
  });
  return app;
}
