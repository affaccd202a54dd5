import { readFileSync } from "node:fs";
import http from "node:http";
import type { Server } from "bun";
import type { HttpServer, HttpServerOptions } from "./http-server-types.ts";

export type { HttpServer, HttpServerOptions, TlsFiles } from "./http-server-types.ts";

/** The one place that starts the runtime's HTTP server (Bun.serve). */
export function startHttpServer(options: HttpServerOptions): HttpServer {
  let server: Server<undefined>;
  let origin = "";
  const scheme = options.tls ? "https" : "http";
  // Bun.serve's header limit (16 KiB by default) is the process-wide one of node:http, which Bun
  // lets a program raise (as `bun --max-http-header-size` does).
  (http as { maxHeaderSize: number }).maxHeaderSize = options.maxHeaderBytes;
  server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    reusePort: options.reusePort ?? false,
    // S3 allows 5 GiB in a single PUT; bodies are streamed, never buffered whole.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    // A connection that sends nothing (headers or body) for this long is closed: a stalled or
    // slowloris client cannot hold it forever.
    idleTimeout: 120,
    fetch: (req) => {
      const ip = server.requestIP(req)?.address ?? "";
      // A request without a Host header (HTTP/1.0 health checks) arrives with a bare path as its
      // URL; give it this server's own origin so routing and URL parsing work.
      return options.fetch(req.url.startsWith("/") ? new Request(`${origin}${req.url}`, req) : req, ip);
    },
    tls: options.tls
      ? { cert: readFileSync(options.tls.certFile, "utf8"), key: readFileSync(options.tls.keyFile, "utf8") }
      : undefined,
  });
  const host = options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname;
  origin = `${scheme}://${host}:${server.port}`;
  return {
    port: server.port ?? options.port,
    scheme,
    stop: () => server.stop(false),
  };
}
