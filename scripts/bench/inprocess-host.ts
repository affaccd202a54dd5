/**
 * The frame of the in-process benchmarks (get-inprocess.ts, put-inprocess.ts): a host built in
 * this process from a source tree (--repo, this one by default; access log on, lines discarded
 * after formatting, `--fsync off`) answers presigned requests handed to it as Request objects,
 * 16 at a time, and the process's CPU time per request is reported (median of --rounds).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { presignUrl } from "../../src/lib/presign.ts";
import { benchCredentials } from "./servers.ts";

export interface InProcessCase {
  /** What one request is, for the report ("GET", "PUT"). */
  verb: string;
  defaultRequests: number;
  /** Requests before the measured rounds. */
  warmup: number;
  /** Creates the objects and returns the signed URLs to cycle through (and the body to send). */
  prepare(tools: {
    sign: (method: string, path: string) => Promise<string>;
    call: (method: string, url: string, body?: Uint8Array<ArrayBuffer>) => Promise<void>;
  }): Promise<{ urls: string[]; body?: Uint8Array<ArrayBuffer> }>;
}

export async function runInProcess(bench: InProcessCase): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const i = args.indexOf(name);
    return i < 0 ? undefined : args[i + 1];
  };
  const repo = resolve(option("--repo") ?? join(import.meta.dir, "..", ".."));
  const requests = Number(option("--requests") ?? bench.defaultRequests);
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
    const { urls, body } = await bench.prepare({ sign, call });
    const run = async (n: number) => {
      let next = 0;
      const worker = async () => {
        while (next < n) await call(bench.verb, urls[next++ % urls.length]!, body);
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    };
    await run(bench.warmup);
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
      `${repo}: ${median.toFixed(1)} µs CPU/${bench.verb} median (min ${results[0]!.toFixed(1)}, rounds ${results.map((r) => r.toFixed(1)).join(" ")}), ${logged} log lines\n`,
    );
  } finally {
    await host.close();
    rmSync(root, { recursive: true, force: true });
  }
}
