/**
 * Server CPU time per small GET: the load-independent form of the GET 4 KiB ratio. Starts the bare
 * Bun server and s3dir (access log on, `--fsync off`) over the same 1,000 objects, sends each the
 * same presigned GETs with wrk, and divides the server process's utime+stime (/proc/PID/stat)
 * over the run by the requests answered. Rounds alternate between the servers.
 *
 *   bun scripts/bench/get-cpu.ts [--duration 5] [--rounds 2] [--concurrency 16] [--floor]
 *
 * --floor also measures the bare server with an HMAC-SHA256 and a file open beneath a root
 * descriptor per request (bare-server.ts `floor`): what any authenticating server pays at least.
 * --compare DIR also measures s3dir run from another source tree (e.g. `git archive` of an earlier
 * commit with a node_modules link), so that before and after share one run's load.
 * `BUN_OPTIONS="--cpu-prof --cpu-prof-dir=DIR"` profiles the servers it starts.
 */

import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { cleanupNow, installCleanup, trackPath } from "./cleanup.ts";
import { compareRepoOption, hasFlag, numberOption } from "./cpu-bench-setup.ts";
import { median, startS3dirs, targetsPerServer } from "./cpu-servers.ts";
import { keyNames, writeRandomFile } from "./fixtures.ts";
import { prepareGetPool } from "./http-cases.ts";
import { type RunningServer, startBare } from "./servers.ts";
import { runWrk } from "./wrk.ts";

const durationSeconds = numberOption("--duration", 5);
const rounds = numberOption("--rounds", 2);
const connections = numberOption("--concurrency", 16);
const floor = hasFlag("--floor");
const compareRepo = compareRepoOption();
const ticksPerSecond = 100;

/** utime + stime of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

const log = (line: string) => process.stderr.write(`${line}\n`);

installCleanup();
const dir = mkdtempSync(join(resolve(import.meta.dir, "..", "..", ".bench"), "cpu-"));
trackPath(dir);
const root = join(dir, "root");
mkdirSync(root);
const body = join(dir, "body");
writeRandomFile(body, 4096);
const servers: RunningServer[] = [await startBare(root, join(dir, "bare.log"))];
if (floor) servers.push(await startBare(root, join(dir, "floor.log"), "bare + HMAC + openat2", "floor"));
const s3dirs = await startS3dirs(root, dir, compareRepo);
const s3dir = s3dirs[0]!;
servers.push(...s3dirs);
const keys = keyNames("get4k", 1000);
await prepareGetPool({ root, s3dir, log }, keys, body);
const targets = await targetsPerServer(dir, servers, s3dir, "GET", keys);

const results = new Map<string, { us: number; rps: number }[]>();
for (let round = 0; round < rounds; round++) {
  for (const server of servers) {
    const run = {
      origin: server.origin,
      method: "GET" as const,
      targetsFile: targets.get(server)!,
      connections,
      threads: Math.min(2, connections),
      timeoutSeconds: 30,
    };
    await runWrk({ ...run, durationSeconds: 1 });
    const before = cpuTicks(server.pid);
    const r = await runWrk({ ...run, durationSeconds });
    const ticks = cpuTicks(server.pid) - before;
    const failed = r.errors.status + r.errors.read + r.errors.timeout;
    const us = (ticks / ticksPerSecond / r.requests) * 1e6;
    const rps = r.requests / (r.durationUs / 1e6);
    log(`${server.label}: ${us.toFixed(1)} µs CPU/req, ${Math.round(rps)} req/s, ${failed} failed`);
    results.set(server.label, [...(results.get(server.label) ?? []), { us, rps }]);
  }
}
const bare = results.get(servers[0]!.label)!;
const bareUs = median(bare.map((m) => m.us));
const bareRps = median(bare.map((m) => m.rps));
process.stdout.write(
  `| server | CPU µs/req | req/s | CPU ratio bare/server | req/s ratio |\n|---|---:|---:|---:|---:|\n`,
);
for (const [label, ms] of results) {
  const us = median(ms.map((m) => m.us));
  const rps = median(ms.map((m) => m.rps));
  process.stdout.write(
    `| ${label} | ${us.toFixed(1)} | ${Math.round(rps)} | ${(bareUs / us).toFixed(2)}× | ${(rps / bareRps).toFixed(2)}× |\n`,
  );
}
for (const server of servers) await server.stop();
cleanupNow();
