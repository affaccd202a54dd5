/**
 * Server CPU time per small PUT, split by thread: the load-independent form of the PUT 4 KiB ratio.
 * Starts the bare Bun server, the bare server that publishes atomically with an MD5
 * (bare-server.ts TEMP_DIR) and s3dir (access log on, `--fsync off`), sends each the same presigned
 * PUTs of 4 KiB over 4,000 keys with wrk, and divides each thread's utime+stime
 * (/proc/PID/task/TID/stat) over the run by the requests answered. Rounds alternate between the
 * servers. Every server is warmed the same way before each round: --warmup seconds of the load,
 * then more 2 s runs until its JIT compiler thread is quiet (under 3 % of the process's CPU) or
 * --max-warmup seconds have passed. A fixed warm-up is not fair: JavaScriptCore's optimizing tier
 * compiles each hot function once it has run some thousands of times, so a server with little
 * code (the bare ones) settles within a few hundred requests while s3dir, with its hundreds of
 * functions per request, is still compiling them 10,000 requests later.
 *
 *   bun scripts/bench/put-cpu.ts [--duration 4] [--warmup 1] [--rounds 3] [--concurrency 16]
 *                                [--max-warmup 40] [--compare DIR] [--strace]
 *
 * --compare DIR also measures s3dir run from another source tree (e.g. a worktree of an earlier
 * commit with a node_modules link), so that before and after share one run's load.
 * --strace ends with one more run per server under `strace -f -c` and prints its system calls
 * per PUT (exact counts, unlike the times).
 * Threads are grouped by name: the event loop (the process's first thread), Bun's file-system
 * pool, the JIT compiler and the garbage collector helpers, and the rest.
 * `BUN_OPTIONS="--cpu-prof --cpu-prof-dir=DIR"` profiles the servers it starts.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { join, resolve } from "node:path";
import { cleanupNow, installCleanup, trackPath } from "./cleanup.ts";
import { median, startS3dirs, targetsPerServer } from "./cpu-servers.ts";
import { keyNames, makeBucket, writeRandomFile } from "./fixtures.ts";
import { type RunningServer, startBare } from "./servers.ts";
import { countSyscalls, filesystemTotal, perRequest } from "./syscall-count.ts";
import {
  threadGroups as groups,
  type ThreadGroup,
  threadNames,
  threadSnapshot,
  ticksPerSecond,
  ticksSince,
  warmUntilJitQuiet,
} from "./thread-cpu.ts";
import { runWrk } from "./wrk.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : Number(args[i + 1]);
};
const durationSeconds = option("--duration", 4);
const warmupSeconds = option("--warmup", 1);
const maxWarmupSeconds = option("--max-warmup", 40);
const rounds = option("--rounds", 3);
const connections = option("--concurrency", 16);
const compareIndex = args.indexOf("--compare");
const compareRepo = compareIndex < 0 ? undefined : resolve(args[compareIndex + 1]!);
const log = (line: string) => process.stderr.write(`${line}\n`);

installCleanup();
const dir = mkdtempSync(join(resolve(import.meta.dir, "..", "..", ".bench"), "put-cpu-"));
trackPath(dir);
const root = join(dir, "root");
mkdirSync(root);
makeBucket(root, "bench");
const bareTemp = join(dir, "bare-tmp");
mkdirSync(bareTemp);
const body = join(dir, "body");
writeRandomFile(body, 4096);
const servers: RunningServer[] = [
  await startBare(root, join(dir, "bare.log")),
  await startBare(root, join(dir, "bare-atomic.log"), "bare atomic+MD5", bareTemp),
];
const s3dirs = await startS3dirs(root, dir, compareRepo);
const s3dir = s3dirs[0]!;
servers.push(...s3dirs);
const keys = keyNames("put4k", 4000);
const targets = await targetsPerServer(dir, servers, s3dir, "PUT", keys);

interface Measure {
  us: Map<ThreadGroup, number>;
  total: number;
  rps: number;
}
/** The wrk load of every measured run against one server (its duration given per run). */
const loadOn = (server: RunningServer) => ({
  origin: server.origin,
  method: "PUT" as const,
  targetsFile: targets.get(server)!,
  bodyFile: body,
  connections,
  threads: Math.min(2, connections),
  timeoutSeconds: 30,
});
const results = new Map<string, Measure[]>();
for (let round = 0; round < rounds; round++) {
  for (const server of servers) {
    const run = loadOn(server);
    Bun.spawnSync(["sync"]);
    const warmed = await warmUntilJitQuiet(
      server.pid,
      (seconds) => runWrk({ ...run, durationSeconds: seconds }),
      {
        minSeconds: warmupSeconds,
        maxSeconds: maxWarmupSeconds,
      },
    );
    const before = threadSnapshot(server.pid);
    const r = await runWrk({ ...run, durationSeconds });
    const ticks = ticksSince(server.pid, before);
    const failed = r.errors.status + r.errors.read + r.errors.timeout;
    const us = new Map<ThreadGroup, number>();
    let total = 0;
    for (const g of groups) {
      const v = (ticks.get(g)! / ticksPerSecond / r.requests) * 1e6;
      us.set(g, v);
      total += v;
    }
    const rps = r.requests / (r.durationUs / 1e6);
    const split = groups.map((g) => `${g} ${us.get(g)!.toFixed(0)}`).join(", ");
    log(
      `${server.label}: ${total.toFixed(1)} µs CPU/PUT (${split}), ${Math.round(rps)} req/s, ${failed} failed, warmed ${warmed} s`,
    );
    if (args.includes("--threads")) log(`  threads: ${threadNames(server.pid)}`);
    results.set(server.label, [...(results.get(server.label) ?? []), { us, total, rps }]);
  }
}
const atomicUs = median(results.get(servers[1]!.label)!.map((m) => m.total));
const atomicRps = median(results.get(servers[1]!.label)!.map((m) => m.rps));
const header = groups.map((g) => ` ${g} µs |`).join("");
process.stdout.write(
  `| server | CPU µs/PUT |${header} req/s | CPU ratio atomic/server | req/s ratio to atomic |\n` +
    `|---|---:|${groups.map(() => "---:|").join("")}---:|---:|---:|\n`,
);
for (const [label, ms] of results) {
  const total = median(ms.map((m) => m.total));
  const parts = groups.map((g) => ` ${median(ms.map((m) => m.us.get(g)!)).toFixed(1)} |`).join("");
  const rps = median(ms.map((m) => m.rps));
  process.stdout.write(
    `| ${label} | ${total.toFixed(1)} |${parts} ${Math.round(rps)} | ${(atomicUs / total).toFixed(2)}× | ${(rps / atomicRps).toFixed(2)}× |\n`,
  );
}
if (args.includes("--strace")) {
  for (const server of servers) {
    const run = { ...loadOn(server), durationSeconds: 3 };
    let requests = 0;
    const counts = await countSyscalls(server.pid, join(dir, `strace-${server.pid}`), async () => {
      requests = (await runWrk(run)).requests;
    });
    let all = 0;
    for (const n of counts.calls.values()) all += n;
    process.stdout.write(
      `\n${server.label}: ${(all / requests).toFixed(2)} system calls per PUT ` +
        `(filesystem ${filesystemTotal(counts, requests).toFixed(2)}: ${perRequest(counts, requests, true)}; ` +
        `other: ${perRequest(counts, requests, false)})\n`,
    );
  }
}
for (const server of servers) await server.stop();
cleanupNow();
