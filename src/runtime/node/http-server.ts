/**
 * The Node twin of ../http-server.ts: the same app served by node:http (or node:https) through
 * @hono/node-server. Request bodies stream in; response bodies stream out with the
 * Content-Length the handler set. Certificates are read once at start (no reload on Node).
 */
import { readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { type HttpBindings, serve } from "@hono/node-server";
import type { HttpServer, HttpServerOptions } from "../http-server-types.ts";

export type { HttpServer, HttpServerOptions, TlsFiles } from "../http-server-types.ts";

/** The one place that starts the runtime's HTTP server on Node. */
export function startHttpServer(options: HttpServerOptions): HttpServer {
  const scheme = options.tls ? "https" : "http";
  const tls = options.tls
    ? {
        createServer: createHttpsServer,
        serverOptions: {
          cert: readFileSync(options.tls.certFile, "utf8"),
          key: readFileSync(options.tls.keyFile, "utf8"),
        },
      }
    : {};
  const server = serve({
    hostname: options.hostname,
    port: options.port,
    fetch: (req, env) => {
      const { incoming } = env as HttpBindings;
      return options.fetch(req, incoming.socket.remoteAddress ?? "", incoming.url);
    },
    ...tls,
  });
  // S3 allows 5 GiB in a single PUT: no limit on a whole request, but a connection that sends
  // nothing for 120 s is closed (as idleTimeout does on Bun).
  if ("requestTimeout" in server) server.requestTimeout = 0;
  server.setTimeout(120_000);
  return {
    get port() {
      return (server.address() as AddressInfo | null)?.port ?? options.port;
    },
    scheme,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeIdleConnections" in server) server.closeIdleConnections();
      }),
  };
}
