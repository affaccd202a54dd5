import { Hono } from "hono";
import { createS3Pipeline, type PipelineDeps } from "./pipeline.ts";

export interface AppDeps extends PipelineDeps {
  /** False while the server is shutting down, so load balancers stop sending. */
  isReady: () => boolean;
  /** The client address of a request, as the runtime sees it. */
  remoteIp: (req: Request) => string;
}

/** The HTTP application: health endpoints, then every other request is S3. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const handleS3 = createS3Pipeline(deps);
  app.get("/health/live", (c) => c.json({ status: "ok" }));
  app.get("/health/ready", (c) =>
    deps.isReady() ? c.json({ status: "ready" }) : c.json({ status: "shutting-down" }, 503),
  );
  app.all("*", (c) => handleS3(c.req.raw, deps.remoteIp(c.req.raw)));
  return app;
}
