/**
 * The load generator for large objects: `connections` workers, each running one curl at a time
 * over the request targets until the deadline, then finishing the request in flight.
 *
 * wrk counts only the requests that complete inside its window. With 64 MiB objects at c=16 a
 * request takes seconds, so a 5 s window holds one or two rounds and the count is quantized by
 * the number of connections (off by up to half). Here every started request is finished and
 * counted, and the elapsed time runs until the last one ends.
 */
import { trackChild } from "./cleanup.ts";
import type { WrkResult } from "./wrk.ts";

export interface CurlLoad {
  origin: string;
  method: "GET" | "PUT";
  /** Request targets ("/bucket/key?query"); worker i starts at its own offset. */
  targets: string[];
  bodyFile?: string;
  /** Expected body size of each response (GET) or request (PUT). */
  size: number;
  connections: number;
  durationSeconds: number;
}

/** Runs the load and reports it in wrk's shape. */
export async function runCurlLoad(load: CurlLoad): Promise<WrkResult> {
  const start = performance.now();
  const deadline = start + load.durationSeconds * 1000;
  const latenciesUs: number[] = [];
  const errors = { connect: 0, read: 0, write: 0, status: 0, timeout: 0 };
  let requests = 0;
  let lastError = "";

  const worker = async (index: number) => {
    let position = Math.floor((index * load.targets.length) / load.connections);
    do {
      const target = load.targets[position % load.targets.length]!;
      position++;
      const outcome = await curlOnce(load, `${load.origin}${target}`);
      if (outcome.kind === "failed") {
        errors.read++;
        lastError = outcome.detail;
        continue;
      }
      requests++;
      if (outcome.kind === "status") {
        errors.status++;
        lastError = outcome.detail;
      } else latenciesUs.push(outcome.us);
    } while (performance.now() < deadline);
  };
  await Promise.all(Array.from({ length: load.connections }, (_, i) => worker(i)));

  const durationUs = Math.round((performance.now() - start) * 1000);
  if (requests === 0) throw new Error(`every request failed: ${lastError}`);
  latenciesUs.sort((a, b) => a - b);
  const percentile = (p: number) =>
    latenciesUs[Math.min(latenciesUs.length - 1, Math.floor((p / 100) * latenciesUs.length))] ?? 0;
  const mean = latenciesUs.reduce((sum, v) => sum + v, 0) / Math.max(1, latenciesUs.length);
  return {
    requests,
    durationUs,
    errors,
    latencyUs: { mean, p50: percentile(50), p99: percentile(99), max: latenciesUs.at(-1) ?? 0 },
    lastError: lastError || undefined,
  };
}

type Outcome =
  | { kind: "ok"; us: number }
  | { kind: "status"; detail: string }
  | { kind: "failed"; detail: string };

async function curlOnce(load: CurlLoad, url: string): Promise<Outcome> {
  const sizeVariable = load.method === "PUT" ? "size_upload" : "size_download";
  const argv = [
    "curl",
    "-sS",
    "--max-time",
    "120",
    "-o",
    "/dev/null",
    "-w",
    `%{http_code} %{${sizeVariable}} %{time_total}`,
  ];
  if (load.method === "PUT") argv.push("-T", load.bodyFile!);
  const child = trackChild(Bun.spawn([...argv, url], { stdout: "pipe", stderr: "pipe" }));
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) return { kind: "failed", detail: err.trim() };
  const [status, bytes, seconds] = out.trim().split(" ");
  if (!status?.startsWith("2")) return { kind: "status", detail: `HTTP ${status}` };
  if (Number(bytes) !== load.size) return { kind: "failed", detail: `${bytes} bytes, want ${load.size}` };
  return { kind: "ok", us: Number(seconds) * 1e6 };
}
