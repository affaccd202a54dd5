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
  let origin = "";
  server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    // S3 allows 5 GiB in a single PUT; bodies are streamed, never buffered whole.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    idleTimeout: 120,
    // A request without a Host header (HTTP/1.0 health checks) arrives with a bare path as its
    // URL; give it this server's own origin so routing and URL parsing work.
    fetch: (req) =>
      req.url.startsWith("/") ? options.fetch(new Request(`${origin}${req.url}`, req)) : options.fetch(req),
    tls: options.tls,
  });
  const host = options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname;
  origin = `${options.tls ? "https" : "http"}://${host}:${server.port}`;
  return {
    port: server.port ?? options.port,
    remoteIp: (req) => server.requestIP(req)?.address ?? "",
    stop: () => server.stop(false),
  };
}
