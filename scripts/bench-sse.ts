/**
 * `npm run bench:sse`: server-side encryption against plain objects, same server, same run.
 *
 *   bun scripts/bench-sse.ts                 PUT and GET of 64 MiB, Range GETs of 1 MiB
 *   bun scripts/bench-sse.ts --rounds 5      64 MiB transfers per mode and case (default 4)
 *   bun scripts/bench-sse.ts --ranges 300    1 MiB Range GETs per mode (default 200)
 *   bun scripts/bench-sse.ts --concurrency 4 parallel requests for the Range GETs (default 4)
 *
 * Plain and SSE-S3 requests alternate so that both see the same machine state. GET bodies are
 * consumed as streams, as a downloader writing to disk does (collecting a body without
 * Content-Length into one array costs the client a growing buffer that a plain GET does not).
 * Prints a Markdown table (MiB/s, and encrypted as a share of plain).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AwsClient } from "aws4fetch";
import { cleanupNow, installCleanup, trackPath } from "./bench/cleanup.ts";
import { benchCredentials, startS3dir } from "./bench/servers.ts";

const MiB = 1 << 20;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number`);
  return n;
}

const rounds = option("rounds", 4);
const ranges = option("ranges", 200);
const concurrency = option("concurrency", 4);

installCleanup();
const dir = trackPath(mkdtempSync(join(tmpdir(), "s3dir-bench-sse-")));
const server = await startS3dir({
  root: join(dir, "root"),
  fsync: false,
  accessLog: false,
  logFile: join(dir, "server.log"),
  label: "s3dir",
});
const aws = new AwsClient({ ...benchCredentials, service: "s3" });
const url = (key: string) => `${server.origin}/bench/${key}`;

async function send(
  method: string,
  key: string,
  init: { body?: Uint8Array; headers?: Record<string, string> } = {},
) {
  const res = await aws.fetch(url(key), {
    method,
    body: init.body as BodyInit | undefined,
    headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD", ...init.headers },
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (!res.ok)
    throw new Error(`${method} ${key}: ${res.status} ${new TextDecoder().decode(bytes).slice(0, 300)}`);
  return bytes;
}

/** A GET read as a stream: its length, and the byte at offset 12345. */
async function download(key: string): Promise<{ length: number; marker: number | undefined }> {
  const res = await aws.fetch(url(key), { headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } });
  if (!res.ok || !res.body) throw new Error(`GET ${key}: ${res.status}`);
  let length = 0;
  let marker: number | undefined;
  for await (const chunk of res.body) {
    if (marker === undefined && length + chunk.length > 12345) marker = chunk[12345 - length];
    length += chunk.length;
  }
  return { length, marker };
}

type Mode = "plain" | "sse-s3";
const sseHeaders = (mode: Mode): Record<string, string> =>
  mode === "sse-s3" ? { "x-amz-server-side-encryption": "AES256" } : {};

const body = new Uint8Array(64 * MiB);
crypto.getRandomValues(body.subarray(0, 65536));
for (let off = 65536; off < body.length; off += 65536) body.copyWithin(off, 0, 65536);
body[12345] = 7;

const totals: Record<string, Record<Mode, { bytes: number; ms: number }>> = {};
function record(name: string, mode: Mode, bytes: number, ms: number) {
  totals[name] ??= { plain: { bytes: 0, ms: 0 }, "sse-s3": { bytes: 0, ms: 0 } };
  totals[name][mode].bytes += bytes;
  totals[name][mode].ms += ms;
}

try {
  await send("PUT", "");
  const modes: Mode[] = ["plain", "sse-s3"];
  // Warm-up: one of each, not measured.
  for (const mode of modes) {
    await send("PUT", `obj-${mode}`, { body, headers: sseHeaders(mode) });
    await send("GET", `obj-${mode}`);
  }
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 ? [...modes].reverse() : modes) {
      let t = performance.now();
      await send("PUT", `obj-${mode}`, { body, headers: sseHeaders(mode) });
      record("PUT 64 MiB", mode, body.length, performance.now() - t);
      t = performance.now();
      const got = await download(`obj-${mode}`);
      record("GET 64 MiB", mode, got.length, performance.now() - t);
      if (got.length !== body.length || got.marker !== 7) throw new Error(`GET ${mode}: wrong bytes`);
    }
  }
  const starts = Array.from({ length: ranges }, () => Math.floor(Math.random() * (body.length - MiB)));
  for (const mode of modes) {
    let next = 0;
    const t = performance.now();
    let bytes = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < starts.length) {
          const start = starts[next++]!;
          const got = await send("GET", `obj-${mode}`, {
            headers: { range: `bytes=${start}-${start + MiB - 1}` },
          });
          if (got.length !== MiB) throw new Error(`range ${mode}: ${got.length} bytes`);
          bytes += got.length;
        }
      }),
    );
    record(`Range GET 1 MiB (c=${concurrency})`, mode, bytes, performance.now() - t);
  }
  const lines = [`| case | plain MiB/s | SSE-S3 MiB/s | SSE-S3 / plain |`, `| --- | ---: | ---: | ---: |`];
  for (const [name, m] of Object.entries(totals)) {
    const rate = (x: { bytes: number; ms: number }) => x.bytes / MiB / (x.ms / 1000);
    const p = rate(m.plain);
    const e = rate(m["sse-s3"]);
    lines.push(`| ${name} | ${p.toFixed(0)} | ${e.toFixed(0)} | ${((e / p) * 100).toFixed(0)}% |`);
  }
  console.log(lines.join("\n"));
} finally {
  await server.stop();
  cleanupNow();
}
