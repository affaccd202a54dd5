/**
 * Edge benchmark: presigned GETs of 4 KiB and 1 MiB objects straight to one host, and through the
 * edge worker (workerd) with a cold and a warm cache, in the same run; and how fast the edge
 * refuses forged links (none of which may reach the host). About 30 s.
 *
 *   npm run bench:edge [-- --seconds 3]
 */
import { parseArgs } from "node:util";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { presignUrl } from "../src/lib/presign.ts";
import { freePort, s3Client, startServer, testCredentials } from "../test/helpers/index.ts";
import { startEdge } from "./edge.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { seconds: { type: "string", default: "3" }, concurrency: { type: "string", default: "8" } },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const bucket = "bench-edge";
const sizes = [
  { label: "4 KiB", bytes: 4096, coldObjects: 400 },
  { label: "1 MiB", bytes: 1024 * 1024, coldObjects: 100 },
];

const host = await startServer({ args: ["--trusted-proxy", "127.0.0.1", "--access-log", "on"] });
process.env.S3DIR_ROOT_ACCESS_KEY = testCredentials.accessKeyId;
process.env.S3DIR_ROOT_SECRET_KEY = testCredentials.secretAccessKey;
const edge = await startEdge({
  port: await freePort(),
  origins: [host.endpoint],
  root: host.root,
  unknownKeys: "refuse",
});

const link = (base: string, key: string) =>
  presignUrl({
    method: "GET",
    url: `${base}/${bucket}/${key}`,
    accessKeyId: testCredentials.accessKeyId,
    secretAccessKey: testCredentials.secretAccessKey,
    region: host.region,
    expiresSeconds: 3600,
  });

async function fetchAll(url: string, expectBytes: number): Promise<void> {
  const response = await fetch(url);
  const body = await response.arrayBuffer();
  if (response.status !== 200 || body.byteLength !== expectBytes) {
    throw new Error(`GET ${url} → ${response.status}, ${body.byteLength} bytes`);
  }
}

interface Result {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
}

/** Runs `one(i)` with `concurrency` workers until `count` calls or the time is up. */
async function load(one: (i: number) => Promise<void>, count = Number.POSITIVE_INFINITY): Promise<Result> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline && next < count) {
        const i = next++;
        const t = performance.now();
        await one(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { requests: latencies.length, seconds: elapsed, p50: at(0.5), p99: at(0.99) };
}

const rows: string[][] = [];
function row(name: string, size: string, r: Result, bytes: number) {
  const rps = r.requests / r.seconds;
  rows.push([
    name,
    size,
    String(r.requests),
    rps.toFixed(0),
    ((rps * bytes) / 1024 / 1024).toFixed(1),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
  ]);
}

const client = s3Client(host);
try {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const size of sizes) {
    const body = new Uint8Array(size.bytes).fill(97);
    const keys = Array.from({ length: size.coldObjects }, (_, i) => `${size.bytes}/${i}`);
    for (let i = 0; i < keys.length; i += 16) {
      await Promise.all(
        keys
          .slice(i, i + 16)
          .map((Key) => client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: body }))),
      );
    }
    const directLinks = await Promise.all(keys.map((k) => link(host.endpoint, k)));
    const edgeLinks = await Promise.all(keys.map((k) => link(edge.url, k)));
    row(
      "direct to host",
      size.label,
      await load((i) => fetchAll(directLinks[i % keys.length]!, size.bytes)),
      size.bytes,
    );
    // Cold: each object once, through the edge, never seen before.
    const cold = await load((i) => fetchAll(edgeLinks[i]!, size.bytes), keys.length);
    row("edge, cold cache", size.label, cold, size.bytes);
    await Bun.sleep(300);
    const before = host.accessLog().length;
    const warm = await load((i) => fetchAll(edgeLinks[i % cold.requests]!, size.bytes));
    row("edge, warm cache", size.label, warm, size.bytes);
    rows[rows.length - 1]!.push(`host saw ${host.accessLog().length - before}`);
  }
  const good = await link(edge.url, "4096/0");
  const forged = good.replace(/X-Amz-Signature=[0-9a-f]{8}/, "X-Amz-Signature=00000000");
  const before = host.accessLog().length;
  const refused = await load(async () => {
    const response = await fetch(forged);
    await response.arrayBuffer();
    if (response.status !== 403) throw new Error(`forged link → ${response.status}`);
  });
  row("edge refuses forged links", "-", refused, 0);
  rows[rows.length - 1]!.push(`host saw ${host.accessLog().length - before}`);
  const header = ["case", "object", "requests", "req/s", "MiB/s", "p50 ms", "p99 ms", "note"];
  console.log(
    `edge benchmark: concurrency ${concurrency}, ${seconds} s a phase, one host, workerd via miniflare`,
  );
  console.log([header, ...rows].map((r) => r.join(" | ")).join("\n"));
} finally {
  client.destroy();
  await edge.stop();
  await host.stop();
}
