/**
 * `npm run bench`: s3dir against a bare Bun.serve over the same files, on this machine.
 *
 *   bun scripts/bench.ts                          every case (a few minutes)
 *   bun scripts/bench.ts --only get4k,list        some cases: get4k get64m put4k put64m list memory tagquota
 *   bun scripts/bench.ts --duration 3             seconds per wrk run (default 5)
 *   bun scripts/bench.ts --concurrency 1,16       wrk connections (default 1,16)
 *   bun scripts/bench.ts --warmup 1               seconds of warm-up load before each run (default 1;
 *                                                 more while the server's JIT compiles, bench/thread-cpu.ts)
 *   bun scripts/bench.ts --rounds 2               measure each server N times, alternating, report the median (default 1)
 *   bun scripts/bench.ts --no-s3dir               the bare server only (to check the harness)
 *   bun scripts/bench.ts --keep                   keep the temp dir (server logs, data) for a look afterwards
 *   bun scripts/bench.ts --runtime bun,node       s3dir on Bun, then on Node (dist/node/s3dir.mjs), in one table
 *
 * Prints a Markdown table and writes it to .bench/results.md (raw numbers to .bench/results.json).
 * Everything it starts is stopped, and its temp directory removed, on exit, error or Ctrl-C.
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ensureNodeEntry } from "../src/runtime/node-build.ts";
import { freePort } from "../test/helpers/server.ts";
import { cleanupNow, installCleanup, trackChild, trackPath } from "./bench/cleanup.ts";
import { type HttpCaseId, httpCases, runHttpCase } from "./bench/http-cases.ts";
import { runListing } from "./bench/list.ts";
import { runMemory } from "./bench/memory.ts";
import { runMultipart } from "./bench/multipart.ts";
import { machineFacts, type Row, renderReport } from "./bench/report.ts";
import {
  benchCredentials,
  type RunningServer,
  repoRoot,
  rssBytes,
  type S3dirOptions,
  startBare,
  startS3dir,
  tail,
} from "./bench/servers.ts";
import { runTagQuota } from "./bench/tag-quota.ts";
import { ensureWrk } from "./bench/wrk.ts";

type CaseId = HttpCaseId | "list" | "multipart" | "memory" | "tagquota";
const allCases: CaseId[] = ["get4k", "get64m", "put4k", "put64m", "list", "multipart", "memory", "tagquota"];
type Runtime = "bun" | "node";
const runtimeNames: Record<Runtime, string> = { bun: "Bun", node: "Node" };

interface Options {
  only: Set<CaseId>;
  durationSeconds: number;
  warmupSeconds: number;
  rounds: number;
  concurrencies: number[];
  s3dir: boolean;
  keep: boolean;
  /** The runtimes s3dir is measured on, one after the other. */
  runtimes: Runtime[];
}

function parseOptions(argv: string[]): Options {
  const options: Options = {
    only: new Set(allCases),
    durationSeconds: 5,
    warmupSeconds: 1,
    rounds: 1,
    concurrencies: [1, 16],
    s3dir: true,
    keep: false,
    runtimes: ["bun"],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.includes("=")
      ? (arg.split(/=(.*)/s, 2) as [string, string])
      : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    const positive = (v: string) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: '${v}' is not a non-negative number`);
      return n;
    };
    if (name === "--only") {
      const ids = value()
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      for (const id of ids) {
        if (!allCases.includes(id as CaseId))
          throw new Error(`--only: unknown case '${id}' (${allCases.join(", ")})`);
      }
      options.only = new Set(ids as CaseId[]);
    } else if (name === "--duration") options.durationSeconds = Math.max(1, Math.round(positive(value())));
    else if (name === "--warmup") options.warmupSeconds = Math.round(positive(value()));
    else if (name === "--rounds") options.rounds = Math.max(1, Math.round(positive(value())));
    else if (name === "--concurrency") {
      options.concurrencies = value()
        .split(",")
        .map((s) => Math.max(1, Math.round(positive(s))));
    } else if (name === "--no-s3dir") options.s3dir = false;
    else if (name === "--keep") options.keep = true;
    else if (name === "--runtime") {
      const names = value()
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      for (const n of names) {
        if (n !== "bun" && n !== "node") throw new Error(`--runtime: unknown runtime '${n}' (bun, node)`);
      }
      options.runtimes = [...new Set(names as Runtime[])];
      if (options.runtimes.length === 0) throw new Error("--runtime needs bun, node or both");
    } else if (name === "--help" || name === "-h") {
      process.stdout.write(
        `usage: bun scripts/bench.ts [--only ${allCases.join(",")}] [--duration S] [--warmup S] [--rounds N] [--concurrency 1,16] [--no-s3dir] [--keep] [--runtime bun,node]\n`,
      );
      process.exit(0);
    } else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

/** Other jobs on a shared machine sometimes sweep /tmp; say so plainly instead of failing oddly. */
function assertStillThere(dir: string): void {
  if (!existsSync(join(dir, "root")) || !existsSync(join(dir, "work"))) {
    throw new Error(`${dir} was removed while the benchmark ran (by something else); run it again`);
  }
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Starts `node dist/node/s3dir.mjs serve` (the Node build) on a free port, like startS3dir does on Bun. */
async function startNodeS3dir(options: S3dirOptions): Promise<RunningServer> {
  const entry = await ensureNodeEntry();
  const port = await freePort();
  const argv = ["node", entry, "serve", "--root", options.root, "--port", String(port)];
  argv.push("--fsync", options.fsync ? "on" : "off");
  if (!options.accessLog) argv.push("--access-log", "off");
  const logFd = openSync(options.logFile, "a");
  const child = trackChild(
    Bun.spawn(argv, {
      cwd: repoRoot,
      env: {
        ...process.env,
        S3DIR_ROOT_ACCESS_KEY: benchCredentials.accessKeyId,
        S3DIR_ROOT_SECRET_KEY: benchCredentials.secretAccessKey,
      },
      stdin: "ignore",
      stdout: logFd,
      stderr: logFd,
    }),
  );
  closeSync(logFd);
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${options.label} exited before it was ready:\n${tail(options.logFile)}`);
    }
    const ok = await fetch(`${origin}/health/ready`, { signal: AbortSignal.timeout(1000) })
      .then(async (r) => {
        await r.arrayBuffer();
        return r.status === 200;
      })
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${options.label} was not ready within 30 s:\n${tail(options.logFile)}`);
    }
    await Bun.sleep(100);
  }
  return {
    label: options.label,
    origin,
    pid: child.pid,
    rssBytes: () => rssBytes(child.pid),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const ended = await Promise.race([child.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
      if (!ended) child.kill("SIGKILL");
      await child.exited;
    },
  };
}

async function main(options: Options): Promise<void> {
  installCleanup();
  await ensureWrk();

  // Beside the repo rather than in /tmp: on some machines /tmp creates files far slower than
  // the rest of the same disk (measured ~900 µs against ~15 µs), which no server can hide.
  const benchDir = resolve(import.meta.dir, "..", ".bench");
  mkdirSync(benchDir, { recursive: true });
  const tmp = mkdtempSync(join(benchDir, "run-"));
  if (!options.keep) trackPath(tmp);
  const root = join(tmp, "root");
  const workDir = join(tmp, "work");
  mkdirSync(root);
  mkdirSync(workDir);
  const logFile = (name: string) => join(tmp, `${name}.log`);
  log(`bench: temp dir ${tmp}`);

  const onRuntime = (runtime: Runtime, label: string) =>
    runtime === "bun" ? label : `${label} on ${runtimeNames[runtime]}`;
  const startMainS3dir = (runtime: Runtime, fsync: boolean, label: string, workers?: number) => {
    const s3dirOptions: S3dirOptions = {
      root,
      fsync,
      accessLog: true,
      logFile: logFile(label.replaceAll(" ", "-")),
      label,
      workers,
    };
    return runtime === "bun" ? startS3dir(s3dirOptions) : startNodeS3dir(s3dirOptions);
  };
  /** Row names say the runtime when more than Bun is measured. */
  const named = (runtime: Runtime, list: Row[]) =>
    options.runtimes.length > 1 || runtime !== "bun"
      ? list.map((row) => ({ ...row, case: `${row.case} [${runtimeNames[runtime]}]` }))
      : list;
  const bare = await startBare(root, logFile("bare"));
  let bareAtomic: RunningServer | undefined;
  if (options.only.has("put4k") || options.only.has("put64m")) {
    const bareTemp = join(tmp, "bare-tmp");
    mkdirSync(bareTemp);
    bareAtomic = await startBare(root, logFile("bare-atomic"), "bare atomic+MD5", bareTemp);
  }
  const notes: string[] = [];
  if (!options.s3dir) notes.push("s3dir was not started (--no-s3dir).");

  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  const started = performance.now();
  const running: RunningServer[] = bareAtomic ? [bare, bareAtomic] : [bare];
  try {
    for (const runtime of options.runtimes) {
      const key = (id: string) => (runtime === "bun" ? id : `${id}:${runtime}`);
      let s3dir: RunningServer | undefined;
      let s3dirFsync: RunningServer | undefined;
      let s3dirWorkers: RunningServer | undefined;
      if (options.s3dir) {
        s3dir = await startMainS3dir(runtime, false, onRuntime(runtime, "s3dir"));
        running.push(s3dir);
        if (options.only.has("put4k") || options.only.has("put64m")) {
          s3dirFsync = await startMainS3dir(runtime, true, onRuntime(runtime, "s3dir fsync on"));
          running.push(s3dirFsync);
        }
        if (runtime === "bun" && (options.only.has("get4k") || options.only.has("put4k"))) {
          s3dirWorkers = await startMainS3dir(runtime, false, "s3dir --workers 2", 2);
          running.push(s3dirWorkers);
        }
      }
      for (const c of httpCases) {
        if (!options.only.has(c.id)) continue;
        assertStillThere(tmp);
        const result = await runHttpCase(c, {
          root,
          workDir,
          bare,
          bareAtomic,
          s3dir,
          s3dirFsync,
          s3dirWorkers,
          concurrencies: options.concurrencies,
          threadsFor: (connections) => Math.min(2, connections),
          durationSeconds: options.durationSeconds,
          warmupSeconds: options.warmupSeconds,
          rounds: options.rounds,
          log,
        });
        rows.push(...named(runtime, result.rows));
        raw[key(c.id)] = result.raw;
      }
      if (options.only.has("list")) {
        assertStillThere(tmp);
        const result = await runListing(root, s3dir, log);
        rows.push(...named(runtime, [result.row]));
        raw[key("list")] = result.raw;
      }
      if (options.only.has("multipart") && s3dir) {
        assertStillThere(tmp);
        const result = await runMultipart({ root, workDir, s3dir, log, rounds: options.rounds });
        rows.push(...named(runtime, result.rows));
        raw[key("multipart")] = result.raw;
      }
      if (options.only.has("tagquota")) {
        assertStillThere(tmp);
        const result = await runTagQuota({
          root,
          workDir,
          s3dir,
          concurrencies: options.concurrencies,
          durationSeconds: options.durationSeconds,
          warmupSeconds: options.warmupSeconds,
          rounds: options.rounds,
          log,
        });
        rows.push(...named(runtime, result.rows));
        raw[key("tagquota")] = result.raw;
      }
      for (const server of [s3dir, s3dirFsync, s3dirWorkers]) await server?.stop();
    }
    for (const server of running) await server.stop();
    if (options.only.has("memory")) {
      for (const runtime of options.runtimes) {
        const result = await runMemory({
          root,
          workDir,
          startBare: () => startBare(root, logFile("bare-memory"), "bare Bun (fresh)"),
          startS3dir: options.s3dir
            ? () => startMainS3dir(runtime, false, onRuntime(runtime, "s3dir (fresh)"))
            : undefined,
          log,
        });
        rows.push(...named(runtime, result.rows));
        raw[runtime === "bun" ? "memory" : `memory:${runtime}`] = result.raw;
      }
    }
  } finally {
    for (const server of running) await server.stop();
  }

  const facts = await machineFacts();
  const seconds = Math.round((performance.now() - started) / 1000);
  const settings =
    `${options.durationSeconds} s per run after ${options.warmupSeconds} s warm-up (more, up to 30 s, while a server's JIT compiles)${options.rounds > 1 ? `, median of ${options.rounds} rounds` : ""}; 4 KiB: wrk -t1 at c=1, -t2 above; ` +
    `64 MiB: c curl workers, each finishing its last request; s3dir: --fsync off, access log on (to a file); ` +
    `total ${seconds} s`;
  notes.push(
    "Every server gets the same presigned request lines; the bare server ignores the query.",
    "PUT cycles through distinct keys (4,000 for 4 KiB, 32 for 64 MiB); GET cycles through 1,000 / 4 objects uploaded through s3dir.",
    "Memory: a freshly started server per run, a 2 GiB file streamed by curl; RSS sampled from /proc/PID/status every 100 ms.",
  );
  if (options.runtimes.includes("node")) {
    notes.push(
      "[Node]: the same s3dir built for Node.js (dist/node/s3dir.mjs, @hono/node-server) against the same bare Bun baseline.",
    );
  }
  const report = renderReport(rows, facts, settings, notes);
  const outDir = join(repoRoot, ".bench");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "results.md"), report);
  writeFileSync(
    join(outDir, "results.json"),
    `${JSON.stringify({ facts, options: { ...options, only: [...options.only] }, rows, raw }, null, 2)}\n`,
  );
  process.stdout.write(`\n${report}`);
  log(`bench: wrote .bench/results.md and .bench/results.json`);
  if (options.keep) log(`bench: kept ${tmp} (server logs: *.log)`);
}

let options: Options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (e) {
  log(`bench: ${e instanceof Error ? e.message : String(e)} (see --help)`);
  process.exit(2);
}
try {
  await main(options);
  cleanupNow();
} catch (e) {
  log(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  cleanupNow();
  process.exit(1);
}
