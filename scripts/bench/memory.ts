/**
 * Memory: one 2 GiB PUT and one 2 GiB GET through a freshly started server, streamed by curl
 * from/to disk, while the server's VmRSS is sampled every 100 ms. Run on s3dir and on the bare
 * baseline; the target is about s3dir's peak.
 */
import { rmSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { trackChild, trackPath } from "./cleanup.ts";
import { GiB, MiB, presign, writeRandomFile } from "./fixtures.ts";
import { formatNumber, type Row } from "./report.ts";
import type { RunningServer } from "./servers.ts";

const size = 2 * GiB;
const maxRssBytes = 200 * MiB;
const bucket = "bench";
const key = "memory-2g";

export interface MemoryRun {
  idleBytes: number;
  put: Transfer;
  get: Transfer;
}

interface Transfer {
  peakBytes: number;
  seconds: number;
  error?: string;
}

export interface MemoryBench {
  root: string;
  workDir: string;
  /** Starts a fresh server; the caller's function decides which. */
  startS3dir?: () => Promise<RunningServer>;
  startBare: () => Promise<RunningServer>;
  log: (line: string) => void;
}

/** Free bytes on the filesystem holding `dir`. */
function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

export async function runMemory(
  bench: MemoryBench,
): Promise<{ rows: Row[]; raw: Record<string, MemoryRun> }> {
  // The source file, the object, and the object's staging copy while it is published, plus slack.
  const needed = 3 * size + GiB;
  const free = freeBytes(bench.workDir);
  const labels = ["Peak RSS, 2 GiB PUT", "Peak RSS, 2 GiB GET"];
  if (free < needed) {
    const why = `skipped: ${formatNumber(free / GiB, 1)} GiB free in ${bench.workDir}, need ${formatNumber(needed / GiB, 1)} GiB`;
    bench.log(`memory: ${why}`);
    return {
      rows: labels.map((label) => ({ case: label, s3dir: why, bare: why, target: "< 200 MiB" })),
      raw: {},
    };
  }

  const source = trackPath(join(bench.workDir, "source-2g"));
  bench.log("memory: writing a 2 GiB source file…");
  writeRandomFile(source, size);
  const raw: Record<string, MemoryRun> = {};
  try {
    raw.bare = await measureServer(bench, bench.startBare, source);
    if (bench.startS3dir) raw.s3dir = await measureServer(bench, bench.startS3dir, source);
  } finally {
    rmSync(source, { force: true });
  }

  const rows = (["put", "get"] as const).map((which, i): Row => {
    const s = raw.s3dir?.[which];
    const b = raw.bare?.[which];
    const ok = s && !s.error;
    return {
      case: labels[i]!,
      s3dir: raw.s3dir ? transferCell(raw.s3dir, which) : "not run",
      bare: raw.bare ? transferCell(raw.bare, which) : "not run",
      ratio: ok && b && !b.error && b.peakBytes > 0 ? s.peakBytes / b.peakBytes : undefined,
      target: "< 200 MiB",
      met: raw.s3dir ? Boolean(ok && s.peakBytes < maxRssBytes) : undefined,
    };
  });
  return { rows, raw };
}

function transferCell(run: MemoryRun, which: "put" | "get"): string {
  const t = run[which];
  if (t.error) return `error: ${t.error}`;
  const mib = (n: number) => `${formatNumber(n / MiB)} MiB`;
  return `${mib(t.peakBytes)} peak (idle ${mib(run.idleBytes)}) · ${formatNumber(size / MiB / t.seconds)} MiB/s`;
}

async function measureServer(
  bench: MemoryBench,
  start: () => Promise<RunningServer>,
  source: string,
): Promise<MemoryRun> {
  const server = await start();
  try {
    await Bun.sleep(300);
    const idleBytes = server.rssBytes();
    const path = `/${bucket}/${key}`;
    bench.log(`memory: 2 GiB PUT to ${server.label}…`);
    const put = await sampled(
      server,
      ["-T", source, "-o", "/dev/null"],
      await presign("PUT", server.origin, path),
      "size_upload",
    );
    bench.log(`  peak RSS ${formatNumber(put.peakBytes / MiB)} MiB${put.error ? `, ${put.error}` : ""}`);
    bench.log(`memory: 2 GiB GET from ${server.label}…`);
    const get = put.error
      ? { peakBytes: 0, seconds: 0, error: "no object (PUT failed)" }
      : await sampled(
          server,
          ["-o", "/dev/null"],
          await presign("GET", server.origin, path),
          "size_download",
        );
    bench.log(`  peak RSS ${formatNumber(get.peakBytes / MiB)} MiB${get.error ? `, ${get.error}` : ""}`);
    return { idleBytes, put, get };
  } finally {
    await server.stop();
    rmSync(join(bench.root, bucket, key), { force: true });
  }
}

/** Runs one curl transfer while sampling the server's RSS every 100 ms. */
async function sampled(
  server: RunningServer,
  curlArgs: string[],
  url: string,
  sizeVariable: "size_upload" | "size_download",
): Promise<Transfer> {
  let peakBytes = server.rssBytes();
  const timer = setInterval(() => {
    peakBytes = Math.max(peakBytes, server.rssBytes());
  }, 100);
  try {
    const argv = [
      "curl",
      "-sS",
      "--max-time",
      "300",
      ...curlArgs,
      "-w",
      `%{http_code} %{${sizeVariable}} %{time_total}`,
    ];
    const child = trackChild(Bun.spawn([...argv, url], { stdout: "pipe", stderr: "pipe" }));
    const [out, err, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    peakBytes = Math.max(peakBytes, server.rssBytes());
    const [status, bytes, seconds] = out.trim().split(" ");
    if (code !== 0) return { peakBytes, seconds: 0, error: `curl exited with ${code}: ${err.trim()}` };
    if (status !== "200") return { peakBytes, seconds: 0, error: `HTTP ${status}` };
    if (Number(bytes) !== size)
      return { peakBytes, seconds: 0, error: `${bytes} bytes transferred, want ${size}` };
    return { peakBytes, seconds: Number(seconds) };
  } finally {
    clearInterval(timer);
  }
}
