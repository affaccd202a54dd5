/**
 * CPU time of s3dir's own request path per small PUT, without HTTP: a host built in this process
 * (access log on, lines discarded after formatting, `--fsync off`) answers presigned PUTs of 4 KiB
 * over 4,000 keys handed to it as Request objects, 16 at a time; all threads of the process count
 * (process.cpuUsage), the file-system pool's included. The warm-up is 20,000 PUTs, past the
 * optimizing compiler's work (thread-cpu.ts). Less noisy than a load test on a shared machine.
 *
 *   bun scripts/bench/put-inprocess.ts [--repo DIR] [--requests 10000] [--rounds 5]
 *
 * --repo runs another source tree (e.g. a worktree of an earlier commit with a node_modules
 * link) for a before/after comparison; run both one after the other.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { presignUrl } from "../../src/lib/presign.ts";
import { benchCredentials } from "./servers.ts";

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const repo = resolve(option("--repo") ?? join(import.meta.dir, "..", ".."));
const requests = Number(option("--requests") ?? 10000);
const rounds = Number(option("--rounds") ?? 5);
const concurrency = 16;
const origin = "http://127.0.0.1:9000";

const { parseCommandLine } = await import(join(repo, "src/cli/command-line.ts"));
const { hostOptionsFromServe } = await import(join(repo, "src/cli/host-options.ts"));
const { resolveServeOptions, serveOptionSpecs } = await import(join(repo, "src/cli/serve-options.ts"));
const { createHost } = await import(join(repo, "src/host/index.ts"));

const benchDir = resolve(import.meta.dir, "..", "..", ".bench");
mkdirSync(benchDir, { recursive: true });
const root = mkdtempSync(join(benchDir, "inproc-"));
const env = {
  ...process.env,
  S3DIR_ROOT_ACCESS_KEY: benchCredentials.accessKeyId,
  S3DIR_ROOT_SECRET_KEY: benchCredentials.secretAccessKey,
};
let logged = 0;
const out = { write: () => {}, writeBatched: () => void logged++, flush: async () => {} };
const line = parseCommandLine(["--root", root, "--port", "9000", "--fsync", "off"], serveOptionSpecs);
const host = await createHost(
  hostOptionsFromServe(resolveServeOptions({ flags: line.values, env }), env, out),
);
host.listening({ port: 9000, url: origin });

const sign = (method: string, path: string) =>
  presignUrl({ method, url: `${origin}${path}`, ...benchCredentials, expiresSeconds: 3600 });
const sizeOf = (body?: Uint8Array): Record<string, string> =>
  body ? { host: "127.0.0.1:9000", "content-length": String(body.length) } : { host: "127.0.0.1:9000" };
const call = async (method: string, url: string, body?: Uint8Array<ArrayBuffer>) => {
  const res = await host.fetch(new Request(url, { method, body, headers: sizeOf(body) }), {
    remoteIp: "127.0.0.1",
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status}`);
};

try {
  await call("PUT", await sign("PUT", "/bench"));
  const body = new Uint8Array(4096).fill(120);
  const urls: string[] = [];
  for (let i = 0; i < 4000; i++) urls.push(await sign("PUT", `/bench/put4k-${String(i).padStart(5, "0")}`));
  const run = async (n: number) => {
    let next = 0;
    const worker = async () => {
      while (next < n) await call("PUT", urls[next++ % urls.length]!, body);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
  await run(20000);
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) {
    Bun.gc(true);
    const before = process.cpuUsage();
    await run(requests);
    const used = process.cpuUsage(before);
    results.push((used.user + used.system) / requests);
  }
  results.sort((a, b) => a - b);
  const median = results[Math.floor(results.length / 2)]!;
  process.stdout.write(
    `${repo}: ${median.toFixed(1)} µs CPU/PUT median (min ${results[0]!.toFixed(1)}, rounds ${results.map((r) => r.toFixed(1)).join(" ")}), ${logged} log lines\n`,
  );
} finally {
  await host.close();
  rmSync(root, { recursive: true, force: true });
}
