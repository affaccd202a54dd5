/**
 * The Node twin of ../http-server.ts: the same app served by node:http (or node:https) through
 * @hono/node-server. Request bodies stream in; response bodies stream out with the
 * Content-Length the handler set. Certificates are read once at start (no reload on Node).
 */
import { readFileSync } from "node:fs";
import { STATUS_CODES } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { type HttpBindings, serve } from "@hono/node-server";
import type { HttpServer, HttpServerOptions } from "../http-server-types.ts";

export type { HttpServer, HttpServerOptions, TlsFiles } from "../http-server-types.ts";

/** The one place that starts the runtime's HTTP server on Node. */
export function startHttpServer(options: HttpServerOptions): HttpServer {
  const scheme = options.tls ? "https" : "http";
  const serverOptions = { maxHeaderSize: options.maxHeaderBytes };
  const tls = options.tls
    ? {
        createServer: createHttpsServer,
        serverOptions: {
          ...serverOptions,
          cert: readFileSync(options.tls.certFile, "utf8"),
          key: readFileSync(options.tls.keyFile, "utf8"),
        },
      }
    : { serverOptions };
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
  const { unparsable } = options;
  if (unparsable)
    server.on("clientError", (error: Error & { code?: string }, socket: Duplex) => {
      answerUnparsable(error, socket, unparsable);
    });
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

/**
 * Node's parser refused a request (llhttp `HPE_*` errors): answer with the server's error instead of
 * Node's bare 400/431, then close. Anything else (a reset, a timeout) just closes the socket.
 */
function answerUnparsable(
  error: Error & { code?: string },
  socket: Duplex,
  unparsable: NonNullable<HttpServerOptions["unparsable"]>,
): void {
  if (!error.code?.startsWith("HPE_") || !socket.writable) {
    socket.destroy();
    return;
  }
  const answer = unparsable(error.code === "HPE_HEADER_OVERFLOW" ? "headers-too-large" : "malformed");
  const body = Buffer.from(answer.body);
  let head = `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ""}\r\n`;
  for (const [name, value] of Object.entries(answer.headers)) head += `${name}: ${value}\r\n`;
  head += `content-length: ${body.byteLength}\r\nconnection: close\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, "latin1"), body]));
}
