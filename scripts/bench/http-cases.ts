/**
 * The GET/PUT throughput cases: the same presigned requests, sent by wrk with the same settings,
 * to s3dir and to the bare Bun.serve baseline (and, for PUT, to s3dir with --fsync on).
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { runCurlLoad } from "./curl-load.ts";
import { KiB, keyNames, MiB, makeBucket, presign, writeRandomFile, writeTargets } from "./fixtures.ts";
import { formatNumber, type Row } from "./report.ts";
import type { RunningServer } from "./servers.ts";
import { warmUntilJitQuiet } from "./thread-cpu.ts";
import { runWrk, type WrkResult } from "./wrk.ts";

export type HttpCaseId = "get4k" | "get64m" | "put4k" | "put64m";

interface HttpCase {
  id: HttpCaseId;
  label: string;
  method: "GET" | "PUT";
  size: number;
  /** GET: objects in the pool; PUT: distinct keys the requests cycle through. */
  keys: number;
  metric: "req/s" | "MiB/s";
  /** Minimum s3dir/bare ratio of `metric`. */
  targetRatio: number;
  /** PUT: minimum s3dir/bare-atomic ratio (the bare server that also renames a temp file and hashes). */
  atomicTargetRatio?: number;
  /** PUT: minimum ratio of s3dir --fsync on to s3dir --fsync off. */
  fsyncTargetRatio?: number;
  /** wrk for small objects; curl workers for large ones (see curl-load.ts for why). */
  generator: "wrk" | "curl";
  /** Also measured on s3dir --workers 2 (at c > 1: one connection keeps one worker busy). */
  workers?: boolean;
}

export const httpCases: readonly HttpCase[] = [
  {
    id: "get4k",
    label: "GET 4 KiB",
    method: "GET",
    size: 4 * KiB,
    // As many distinct objects as an independent harness rotates over, so per-key caches and
    // the page cache are exercised as a real workload would (16 keys flattered s3dir).
    keys: 1000,
    metric: "req/s",
    targetRatio: 0.6,
    generator: "wrk",
    workers: true,
  },
  {
    id: "get64m",
    label: "GET 64 MiB",
    method: "GET",
    size: 64 * MiB,
    keys: 4,
    metric: "MiB/s",
    targetRatio: 0.8,
    generator: "curl",
  },
  {
    id: "put4k",
    label: "PUT 4 KiB",
    method: "PUT",
    size: 4 * KiB,
    keys: 4000,
    metric: "req/s",
    targetRatio: 0.5,
    atomicTargetRatio: 0.8,
    fsyncTargetRatio: 0.5,
    generator: "wrk",
    workers: true,
  },
  {
    id: "put64m",
    label: "PUT 64 MiB",
    method: "PUT",
    size: 64 * MiB,
    keys: 32,
    metric: "MiB/s",
    targetRatio: 0.6,
    atomicTargetRatio: 0.8,
    generator: "curl",
  },
];

export interface HttpBench {
  root: string;
  /** Scratch space outside the served root (bodies, target lists). */
  workDir: string;
  bare: RunningServer;
  /** The bare server that publishes PUTs atomically and computes their MD5 (PUT cases only). */
  bareAtomic?: RunningServer;
  s3dir?: RunningServer;
  s3dirFsync?: RunningServer;
  /** s3dir --workers 2, for the cases marked `workers`. */
  s3dirWorkers?: RunningServer;
  concurrencies: number[];
  /** wrk threads for a given connection count. */
  threadsFor: (connections: number) => number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Measure each server this many times and report the median. */
  rounds: number;
  log: (line: string) => void;
}

export interface Measurement {
  server: string;
  connections: number;
  requestsPerSecond: number;
  mibPerSecond: number;
  okRequests: number;
  failedRequests: number;
  /** What the last failed request got, when known. */
  lastFailure?: string;
  p50Ms: number;
  p99Ms: number;
  /** Set when the server could not be measured at all. */
  error?: string;
}

const bucket = "bench";
/** At most this much more warm-up while a server's JIT is still compiling (thread-cpu.ts). */
const MAX_JIT_WARMUP_SECONDS = 30;

/** Runs one case at every concurrency on every server; returns its table rows and raw measurements. */
export async function runHttpCase(
  c: HttpCase,
  bench: HttpBench,
): Promise<{ rows: Row[]; raw: Measurement[] }> {
  const keys = keyNames(c.id, c.keys);
  const bodyFile = join(bench.workDir, `body-${c.id}`);
  writeRandomFile(bodyFile, c.size);
  if (c.method === "GET") await prepareGetPool(bench, keys, bodyFile);

  const servers: { server: RunningServer; targetsFile: string }[] = [];
  const targetsFor = async (server: RunningServer, signer: RunningServer) => {
    const file = join(bench.workDir, `targets-${c.id}-${server.pid}`);
    await writeTargets(file, c.method, signer.origin, bucket, keys);
    servers.push({ server, targetsFile: file });
  };
  // The bare server ignores the query, so it gets the very same request lines as s3dir.
  await targetsFor(bench.bare, bench.s3dir ?? bench.bare);
  if (bench.bareAtomic && c.method === "PUT") await targetsFor(bench.bareAtomic, bench.s3dir ?? bench.bare);
  if (bench.s3dir) await targetsFor(bench.s3dir, bench.s3dir);
  if (bench.s3dirFsync && c.method === "PUT") await targetsFor(bench.s3dirFsync, bench.s3dirFsync);
  if (bench.s3dirWorkers && c.workers) await targetsFor(bench.s3dirWorkers, bench.s3dirWorkers);

  const raw: Measurement[] = [];
  const medians: Measurement[] = [];
  for (const connections of bench.concurrencies) {
    const rounds = new Map<string, Measurement[]>();
    // Rounds alternate between the servers, so a noisy neighbour hurts both; the median round
    // counts, as an independent harness would report it (the best round flatters whichever
    // server had the luckiest moment).
    for (let round = 1; round <= bench.rounds; round++) {
      for (const { server, targetsFile } of servers) {
        if (server === bench.s3dirWorkers && connections === 1) continue;
        const of = bench.rounds > 1 ? ` (round ${round}/${bench.rounds})` : "";
        bench.log(`${c.label} c=${connections} on ${server.label}${of}…`);
        const m = await measure(c, bench, server, targetsFile, bodyFile, connections);
        bench.log(`  ${m.error ?? cell(c, m)}`);
        raw.push(m);
        rounds.set(server.label, [...(rounds.get(server.label) ?? []), m]);
      }
    }
    for (const ms of rounds.values()) medians.push(medianOf(c, ms));
  }
  return { rows: rowsFor(c, bench, medians), raw };
}

/** Puts the GET objects in place: POSIX files, then re-uploaded through s3dir so they carry S3 metadata. */
export async function prepareGetPool(
  bench: Pick<HttpBench, "root" | "s3dir" | "log">,
  keys: string[],
  bodyFile: string,
): Promise<void> {
  const dir = makeBucket(bench.root, bucket);
  for (const key of keys) copyFileSync(bodyFile, join(dir, key));
  const s3dir = bench.s3dir;
  if (!s3dir) return;
  for (const key of keys) {
    const path = `/${bucket}/${encodeURIComponent(key)}`;
    const put = await fetch(await presign("PUT", s3dir.origin, path), {
      method: "PUT",
      body: Bun.file(bodyFile),
    });
    if (!put.ok)
      bench.log(`  warning: PUT ${path} through s3dir: ${put.status} ${(await put.text()).slice(0, 200)}`);
    else await put.arrayBuffer();
    const get = await fetch(await presign("GET", s3dir.origin, path));
    await get.arrayBuffer();
  }
}

async function measure(
  c: HttpCase,
  bench: HttpBench,
  server: RunningServer,
  targetsFile: string,
  bodyFile: string,
  connections: number,
): Promise<Measurement> {
  const base = {
    server: server.label,
    connections,
    requestsPerSecond: 0,
    mibPerSecond: 0,
    okRequests: 0,
    failedRequests: 0,
    p50Ms: 0,
    p99Ms: 0,
  };
  const probeError = await probe(c, server, targetsFile, bodyFile);
  if (probeError) return { ...base, error: probeError };
  const run = {
    origin: server.origin,
    method: c.method,
    targetsFile,
    bodyFile: c.method === "PUT" ? bodyFile : undefined,
    connections,
    threads: bench.threadsFor(connections),
    timeoutSeconds: 60,
  };
  try {
    // Start every run with no dirty pages left over from the previous one, so writeback of an
    // earlier run's data does not slow down the next server's PUTs.
    Bun.spawnSync(["sync"]);
    const targets = (await Bun.file(targetsFile).text()).split("\n").filter(Boolean);
    const load = (durationSeconds: number) =>
      c.generator === "wrk"
        ? runWrk({ ...run, durationSeconds })
        : runCurlLoad({ ...run, targets, size: c.size, durationSeconds });
    // The same rule for every server: the warm-up, then more while its JIT is still compiling.
    await warmUntilJitQuiet(server.pid, load, {
      minSeconds: bench.warmupSeconds,
      maxSeconds: bench.warmupSeconds + MAX_JIT_WARMUP_SECONDS,
    });
    return summarize(c, base, await load(bench.durationSeconds));
  } catch (e) {
    return { ...base, error: e instanceof Error ? e.message.split("\n")[0]! : String(e) };
  }
}

/** Sends one request of the case with fetch and says what is wrong with the answer, if anything. */
async function probe(
  c: HttpCase,
  server: RunningServer,
  targetsFile: string,
  bodyFile: string,
): Promise<string> {
  const target = (await Bun.file(targetsFile).text()).split("\n")[0]!;
  try {
    const res = await fetch(`${server.origin}${target}`, {
      method: c.method,
      body: c.method === "PUT" ? Bun.file(bodyFile) : undefined,
    });
    const body = await res.arrayBuffer();
    if (!res.ok)
      return `probe ${c.method}: HTTP ${res.status} ${new TextDecoder().decode(body.slice(0, 300))}`;
    if (c.method === "GET" && body.byteLength !== c.size)
      return `probe GET: ${body.byteLength} bytes, want ${c.size}`;
    return "";
  } catch (e) {
    return `probe ${c.method}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function summarize(c: HttpCase, base: Measurement, r: WrkResult): Measurement {
  const seconds = r.durationUs / 1e6;
  const failed = r.errors.status + r.errors.timeout + r.errors.read + r.errors.write + r.errors.connect;
  const ok = Math.max(0, r.requests - r.errors.status);
  return {
    ...base,
    requestsPerSecond: ok / seconds,
    mibPerSecond: (ok * c.size) / MiB / seconds,
    okRequests: ok,
    failedRequests: failed,
    lastFailure: r.lastError,
    p50Ms: r.latencyUs.p50 / 1000,
    p99Ms: r.latencyUs.p99 / 1000,
  };
}

/** The median round (the mean of the middle two for an even count); a failed round counts as 0. */
function medianOf(c: HttpCase, ms: Measurement[]): Measurement {
  const ok = ms.filter((m) => !m.error);
  if (ok.length === 0) return ms[0]!;
  const rate = (m: Measurement) => (m.error ? 0 : primary(c, m));
  const sorted = [...ms].sort((a, b) => rate(a) - rate(b));
  const hi = sorted[Math.floor(sorted.length / 2)]!;
  if (sorted.length % 2 === 1 || hi.error) return hi;
  const lo = sorted[sorted.length / 2 - 1]!;
  if (lo.error) return hi;
  return {
    ...hi,
    requestsPerSecond: (lo.requestsPerSecond + hi.requestsPerSecond) / 2,
    mibPerSecond: (lo.mibPerSecond + hi.mibPerSecond) / 2,
    failedRequests: lo.failedRequests + hi.failedRequests,
    p99Ms: Math.max(lo.p99Ms, hi.p99Ms),
  };
}

function primary(c: HttpCase, m: Measurement): number {
  return c.metric === "req/s" ? m.requestsPerSecond : m.mibPerSecond;
}

function cell(c: HttpCase, m: Measurement | undefined): string {
  if (!m) return "not run";
  if (m.error) return `error: ${m.error}`;
  const rate = `${formatNumber(m.requestsPerSecond, m.requestsPerSecond < 100 ? 1 : 0)} req/s`;
  const mib = `${formatNumber(m.mibPerSecond, m.mibPerSecond < 100 ? 1 : 0)} MiB/s`;
  const parts = c.metric === "req/s" ? [rate, mib] : [mib, rate];
  parts.push(`p99 ${formatNumber(m.p99Ms, m.p99Ms < 10 ? 2 : 0)} ms`);
  if (m.failedRequests > 0) {
    parts.push(`${m.failedRequests} failed${m.lastFailure ? ` (last: ${m.lastFailure.slice(0, 80)})` : ""}`);
  }
  return parts.join(" · ");
}

function rowsFor(c: HttpCase, bench: HttpBench, raw: Measurement[]): Row[] {
  const rows: Row[] = [];
  for (const connections of bench.concurrencies) {
    const find = (server: RunningServer | undefined) =>
      server && raw.find((m) => m.server === server.label && m.connections === connections);
    const bare = find(bench.bare);
    const compare = (
      label: string,
      s3dir: Measurement | undefined,
      target: string,
      minRatio?: number,
      baseline: Measurement | undefined = bare,
    ): Row => {
      const bare = baseline;
      const usable = (m: Measurement | undefined) => m && !m.error && primary(c, m) > 0;
      const ratio = usable(s3dir) && usable(bare) ? primary(c, s3dir!) / primary(c, bare!) : undefined;
      const clean = (s3dir?.failedRequests ?? 1) === 0 && (bare?.failedRequests ?? 1) === 0;
      const met =
        minRatio === undefined || !s3dir ? undefined : ratio !== undefined && clean && ratio >= minRatio;
      return { case: label, s3dir: cell(c, s3dir), bare: cell(c, bare), ratio, target, met };
    };
    const label = `${c.label}, c=${connections}`;
    const target = `≥ ${Math.round(c.targetRatio * 100)}% of bare ${c.metric}`;
    const s3dir = find(bench.s3dir) || undefined;
    rows.push(compare(label, s3dir, target, c.targetRatio));
    const atomic = c.method === "PUT" ? find(bench.bareAtomic) || undefined : undefined;
    if (atomic && c.atomicTargetRatio !== undefined) {
      const pct = Math.round(c.atomicTargetRatio * 100);
      rows.push(
        compare(
          `${label}, vs bare atomic+MD5`,
          s3dir,
          `≥ ${pct}% of bare atomic+MD5 ${c.metric}`,
          c.atomicTargetRatio,
          atomic,
        ),
      );
    }
    const workers = c.workers && connections > 1 ? find(bench.s3dirWorkers) || undefined : undefined;
    if (workers)
      rows.push(compare(`${label}, s3dir --workers 2`, workers, "— (the host's total over 2 cores)"));
    if (c.method === "PUT" && bench.s3dirFsync) {
      const fsyncOn = find(bench.s3dirFsync) || undefined;
      rows.push(compare(`${label}, s3dir --fsync on`, fsyncOn, "— (bare does not fsync)"));
      if (c.fsyncTargetRatio !== undefined && connections > 1) {
        const pct = Math.round(c.fsyncTargetRatio * 100);
        rows.push(
          compare(
            `${label}, s3dir --fsync on vs off`,
            fsyncOn,
            `≥ ${pct}% of --fsync off ${c.metric}`,
            c.fsyncTargetRatio,
            s3dir,
          ),
        );
      }
    }
  }
  return rows;
}
