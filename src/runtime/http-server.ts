import type { Server } from "bun";

export interface HttpServerOptions {
  hostname: string;
  port: number;
  fetch: (req: Request) => Response | Promise<Response>;
  tls?: { cert: string; key: string };
}

export interface HttpServer {
  port: number;
  /** The client address of a request served by this server. */
  remoteIp(req: Request): string;
  /** Stops accepting connections and resolves when in-flight requests have finished. */
  stop(): Promise<void>;
}

/** The one place that starts the runtime's HTTP server (Bun.serve). */
export function startHttpServer(options: HttpServerOptions): HttpServer {
  let server: Server<undefined>;
  server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    // S3 allows 5 GiB in a single PUT; bodies are streamed, never buffered whole.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    idleTimeout: 120,
    fetch: options.fetch,
    tls: options.tls,
  });
  return {
    port: server.port ?? options.port,
    remoteIp: (req) => server.requestIP(req)?.address ?? "",
    stop: () => server.stop(false),
  };
}
