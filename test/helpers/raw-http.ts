/**
 * HTTP/1.1 over a plain TCP socket, for requests fetch() would rewrite: request targets with `..`,
 * `%2e%2e` or other odd bytes sent exactly as written, and bodies cut off mid-way.
 */

import { connect, type Socket } from "node:net";
import { AwsV4Signer } from "aws4fetch";
import type { TestServer } from "./server.ts";

export interface RawResponse {
  status: number;
  headers: Headers;
  body: string;
}

export interface RawRequestOptions {
  method?: string;
  /** Request target exactly as sent on the request line, e.g. "/b/a/../../etc/passwd". */
  target: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /**
   * Sign with SigV4 for the path the server resolves the target to (WHATWG URL resolution of dot
   * segments, which is what Bun.serve applies), so that authentication is not what stops the request.
   */
  sign?: boolean;
  /** Send the body without a Content-Length header (e.g. with Transfer-Encoding: chunked). */
  omitContentLength?: boolean;
  timeoutMs?: number;
}

/** Sends one request on a fresh connection and reads the whole response (Connection: close). */
export async function rawRequest(server: TestServer, options: RawRequestOptions): Promise<RawResponse> {
  const method = options.method ?? "GET";
  const body = typeof options.body === "string" ? new TextEncoder().encode(options.body) : options.body;
  const headers = new Headers(options.headers);
  headers.set("host", `127.0.0.1:${server.port}`);
  if (body && !options.omitContentLength) headers.set("content-length", String(body.length));
  if (options.sign) {
    for (const [k, v] of await signTarget(server, method, options.target, headers)) headers.set(k, v);
  }
  headers.set("connection", "close");
  let head = `${method} ${options.target} HTTP/1.1\r\n`;
  for (const [k, v] of headers) head += `${k}: ${v}\r\n`;
  head += "\r\n";
  const raw = await exchange(
    server.port,
    [new TextEncoder().encode(head), ...(body ? [body] : [])],
    options.timeoutMs,
  );
  return parseResponse(raw, method === "HEAD");
}

/**
 * SigV4 headers for a request target as the server sees it. Bun.serve resolves dot segments (also
 * percent-encoded ones) before the server runs, and S3 signs the path as sent, encoded once: each
 * segment decoded and re-encoded per RFC 3986, so an encoded slash stays `%2F`.
 */
async function signTarget(
  server: TestServer,
  method: string,
  target: string,
  headers: Headers,
): Promise<Headers> {
  const resolved = new URL(target, "http://placeholder").pathname;
  const canonical = resolved
    .split("/")
    .map((segment) => {
      let decoded = segment;
      try {
        decoded = decodeURIComponent(segment);
      } catch {}
      return encodeURIComponent(decoded).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      );
    })
    .join("/");
  // aws4fetch decodes the path it is given; with singleEncode it then signs that decoded text as is.
  const signer = new AwsV4Signer({
    method,
    url: `http://127.0.0.1:${server.port}${canonical.replace(/%/g, "%25")}`,
    headers,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    service: "s3",
    region: server.region,
    singleEncode: true,
  });
  return (await signer.sign()).headers;
}

function exchange(port: number, parts: Uint8Array[], timeoutMs = 15_000): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    const socket = connect(port, "127.0.0.1", () => {
      for (const part of parts) socket.write(part);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`raw request timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    socket.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

function parseResponse(raw: Uint8Array, isHead: boolean): RawResponse {
  const text = Buffer.from(raw).toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) throw new Error(`incomplete HTTP response: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1] ?? Number.NaN);
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  let bodyBytes: Buffer = Buffer.from(raw).subarray(Buffer.byteLength(text.slice(0, end + 4), "latin1"));
  if (isHead) bodyBytes = bodyBytes.subarray(0, 0);
  else if (/chunked/i.test(headers.get("transfer-encoding") ?? "")) bodyBytes = dechunk(bodyBytes);
  return { status, headers, body: bodyBytes.toString("utf8") };
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  for (let guard = 0; guard < 100_000 && pos < data.length; guard++) {
    const lineEnd = data.indexOf("\r\n", pos, "latin1");
    if (lineEnd < 0) break;
    const size = Number.parseInt(data.subarray(pos, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    pos = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/**
 * Starts a signed PUT that declares `declaredLength` bytes, sends only `sendBytes` of them, then
 * drops the connection. Resolves once the socket is closed.
 */
export async function abortedUpload(
  server: TestServer,
  path: string,
  declaredLength: number,
  sendBytes: number,
): Promise<void> {
  const headers = new Headers({
    host: `127.0.0.1:${server.port}`,
    "content-length": String(declaredLength),
    "content-type": "application/octet-stream",
  });
  const signed = await signTarget(server, "PUT", path, headers);
  let head = `PUT ${path} HTTP/1.1\r\nhost: 127.0.0.1:${server.port}\r\n`;
  for (const [k, v] of signed) if (k !== "host") head += `${k}: ${v}\r\n`;
  head += "\r\n";
  await new Promise<void>((resolve, reject) => {
    const socket: Socket = connect(server.port, "127.0.0.1", () => {
      socket.write(head);
      socket.write(new Uint8Array(sendBytes).fill(0x61), () => {
        // Give the server time to start consuming the body, then vanish.
        setTimeout(() => socket.destroy(), 200);
      });
    });
    socket.on("error", () => {});
    socket.on("close", () => resolve());
    setTimeout(() => {
      socket.destroy();
      reject(new Error("aborted upload did not close"));
    }, 10_000);
  });
}

export interface StreamingUpload {
  /** Sends more of the body; resolves once the bytes are handed to the socket. */
  send(data: Uint8Array): Promise<void>;
  /** The response, once the whole declared body was sent. */
  response(): Promise<RawResponse>;
  /** Drops the connection. */
  destroy(): void;
}

/**
 * Starts a signed PUT of `declaredLength` bytes whose body the test sends piece by piece, so that
 * an upload can be held open at a known point (e.g. while a host is killed).
 */
export async function streamingUpload(
  server: TestServer,
  path: string,
  declaredLength: number,
): Promise<StreamingUpload> {
  const headers = new Headers({
    host: `127.0.0.1:${server.port}`,
    "content-length": String(declaredLength),
    "content-type": "application/octet-stream",
  });
  const signed = await signTarget(server, "PUT", path, headers);
  let head = `PUT ${path} HTTP/1.1\r\nhost: 127.0.0.1:${server.port}\r\nconnection: close\r\n`;
  for (const [k, v] of signed) if (k !== "host") head += `${k}: ${v}\r\n`;
  head += "\r\n";
  const chunks: Uint8Array[] = [];
  let closed!: () => void;
  const done = new Promise<void>((resolve) => {
    closed = resolve;
  });
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect(server.port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
  socket.on("error", () => {});
  socket.on("data", (chunk: Uint8Array) => chunks.push(chunk));
  socket.on("close", () => closed());
  await new Promise<void>((resolve) => socket.write(head, () => resolve()));
  return {
    send: (data) => new Promise<void>((resolve) => socket.write(data, () => resolve())),
    response: async () => {
      await done;
      return parseResponse(Buffer.concat(chunks), false);
    },
    destroy: () => socket.destroy(),
  };
}

/**
 * A signed PUT that sends `pauseAt` bytes of body, waits for `resume`, then sends the rest and
 * reads the response: what the server does while a client is slow (a write failing meanwhile).
 * The server may answer, or close, before the rest is sent.
 */
export async function pausedUpload(
  server: TestServer,
  path: string,
  body: Uint8Array,
  pauseAt: number,
  resume: () => Promise<void>,
  timeoutMs = 30_000,
): Promise<RawResponse> {
  const headers = new Headers({
    host: `127.0.0.1:${server.port}`,
    "content-length": String(body.length),
    "content-type": "application/octet-stream",
    connection: "close",
  });
  const signed = await signTarget(server, "PUT", path, headers);
  let head = `PUT ${path} HTTP/1.1\r\nhost: 127.0.0.1:${server.port}\r\n`;
  for (const [k, v] of signed) if (k !== "host") head += `${k}: ${v}\r\n`;
  head += "\r\n";
  const raw = await new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let closed = false;
    const socket: Socket = connect(server.port, "127.0.0.1", () => {
      socket.write(head);
      socket.write(body.subarray(0, pauseAt), () => {
        resume().then(
          () => {
            if (!closed) socket.write(body.subarray(pauseAt));
          },
          (e) => {
            socket.destroy();
            reject(e);
          },
        );
      });
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`paused upload: no response within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      closed = true;
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
  return parseResponse(raw, false);
}
