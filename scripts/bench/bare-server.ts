/**
 * The runtime's ceiling: a bare Bun.serve over the same files as s3dir, with no S3 at all.
 *
 *   bun scripts/bench/bare-server.ts ROOT PORT [TEMP_DIR]
 *
 * GET /bucket/key streams the file, PUT /bucket/key writes the request body to it (in place, no
 * staging, no fsync), GET /health/ready answers 200. The query string (a presigned URL's
 * signature) is ignored, so the benchmark sends byte-for-byte the same requests to both servers.
 *
 * With TEMP_DIR (on the same filesystem as ROOT) a PUT does the least an S3 server must: it
 * streams the body into a new temp file there, computing its MD5 (the ETag) in the same pass,
 * and renames the file over the key (atomic publishing, no fsync, no metadata).
 *
 * With TEMP_DIR `floor` a GET does the least an authenticating S3 server must per request: one
 * HMAC-SHA256 over the request target, an openat2 beneath a root descriptor (no symlinks), an
 * fstat and a read of the bytes; the response is those bytes.
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, open, readSync, writeSync } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { join, normalize } from "node:path";
import { promisify } from "node:util";
import { openBeneath, openBeneathRoot } from "../../src/runtime/open-beneath.ts";

/** A raw descriptor, opened off the event loop (a FileHandle would be closed by the collector). */
const openFd = promisify(open);

const [root, portArg, tempArg] = process.argv.slice(2);
const floor = tempArg === "floor";
const tempDir = floor ? undefined : tempArg;
if (!root || !portArg) {
  process.stderr.write("usage: bun scripts/bench/bare-server.ts ROOT PORT [TEMP_DIR]\n");
  process.exit(2);
}

/** The file a request path names, or undefined when it would leave the root. */
function fileFor(pathname: string): string | undefined {
  const relative = normalize(decodeURIComponent(pathname));
  if (!relative.startsWith("/") || relative.includes("/../") || relative.includes("\0")) return undefined;
  return join(root!, relative);
}

/** Temp file + MD5 in the same pass + rename: the floor of an atomic, ETag-computing PUT. */
async function putAtomic(req: Request, path: string, dir: string): Promise<Response> {
  const temp = join(dir, randomBytes(8).toString("hex"));
  const fd = await openFd(temp, "wx");
  const md5 = new Bun.CryptoHasher("md5");
  try {
    let at = 0;
    if (req.body) {
      for await (const chunk of req.body) {
        md5.update(chunk);
        for (let off = 0; off < chunk.length; )
          off += writeSync(fd, chunk, off, chunk.length - off, at + off);
        at += chunk.length;
      }
    }
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => {});
    throw e;
  } finally {
    closeSync(fd);
  }
  return new Response(null, { status: 200, headers: { etag: `"${md5.digest("hex")}"` } });
}

const rootFd = floor ? openBeneathRoot(root) : undefined;
const hmacKey = new Uint8Array(32).fill(7);

/** The floor GET: an HMAC of the target, an open beneath the root, fstat, read, close. */
function floorGet(url: string, pathname: string): Response {
  const mac = new Bun.CryptoHasher("sha256", hmacKey).update(url).digest("hex");
  const fd = openBeneath(rootFd!, decodeURIComponent(pathname.slice(1)), constants.O_RDONLY);
  if (fd === undefined) return new Response("openat2 unavailable", { status: 500 });
  try {
    const bytes = new Uint8Array(fstatSync(fd).size);
    readSync(fd, bytes, 0, bytes.length, 0);
    return new Response(bytes, { headers: { "x-mac": mac.slice(0, 8) } });
  } finally {
    closeSync(fd);
  }
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
    if (req.method === "GET" && floor) return floorGet(req.url, pathname);
    if (req.method === "GET") return new Response(Bun.file(path));
    if (req.method === "PUT") {
      if (tempDir) return putAtomic(req, path, tempDir);
      await Bun.write(path, req);
      return new Response(null, { status: 200 });
    }
    return new Response("method not allowed", { status: 405 });
  },
});

process.stdout.write(`bare server listening on http://127.0.0.1:${server.port}\n`);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
