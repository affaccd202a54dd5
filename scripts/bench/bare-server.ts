/**
 * The runtime's ceiling: a bare Bun.serve over the same files as s3dir, with no S3 at all.
 *
 *   bun scripts/bench/bare-server.ts ROOT PORT
 *
 * GET /bucket/key streams the file, PUT /bucket/key writes the request body to it (in place, no
 * staging, no fsync), GET /health/ready answers 200. The query string (a presigned URL's
 * signature) is ignored, so the benchmark sends byte-for-byte the same requests to both servers.
 */
import { join, normalize } from "node:path";

const [root, portArg] = process.argv.slice(2);
if (!root || !portArg) {
  process.stderr.write("usage: bun scripts/bench/bare-server.ts ROOT PORT\n");
  process.exit(2);
}

/** The file a request path names, or undefined when it would leave the root. */
function fileFor(pathname: string): string | undefined {
  const relative = normalize(decodeURIComponent(pathname));
  if (!relative.startsWith("/") || relative.includes("/../") || relative.includes("\0")) return undefined;
  return join(root!, relative);
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(portArg),
  maxRequestBodySize: Number.MAX_SAFE_INTEGER,
  idleTimeout: 120,
  async fetch(req) {
    const { pathname } = new URL(req.url);
    if (pathname === "/health/ready") return new Response("ready");
    const path = fileFor(pathname);
    if (!path) return new Response("bad path", { status: 400 });
    if (req.method === "GET") return new Response(Bun.file(path));
    if (req.method === "PUT") {
      await Bun.write(path, req);
      return new Response(null, { status: 200 });
    }
    return new Response("method not allowed", { status: 405 });
  },
});

process.stdout.write(`bare server listening on http://127.0.0.1:${server.port}\n`);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
