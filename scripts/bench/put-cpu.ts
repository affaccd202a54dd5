import { join } from "node:path";
import { cleanupNow, installCleanup } from "./cleanup.ts";
import { compareRepoOption, hasFlag, numberOption, putWorkspace } from "./cpu-bench-setup.ts";
import { median, startS3dirs, targetsPerServer } from "./cpu-servers.ts";
import { keyNames } from "./fixtures.ts";
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

const durationSeconds = numberOption("--duration", 4);
const warmupSeconds = numberOption("--warmup", 1);
const maxWarmupSeconds = numberOption("--max-warmup", 40);
const rounds = numberOption("--rounds", 3);
const connections = numberOption("--concurrency", 16);
const compareRepo = compareRepoOption();
const log = (line: string) => process.stderr.write(`${line}\n`);

installCleanup();
const { dir, root, bareTemp, body } = putWorkspace("put-cpu-", 4096);
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
    if (hasFlag("--threads")) log(`  threads: ${threadNames(server.pid)}`);
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
if (hasFlag("--strace")) {
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
