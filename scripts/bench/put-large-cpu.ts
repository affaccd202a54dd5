import { join } from "node:path";
import { cleanupNow, installCleanup } from "./cleanup.ts";
import { compareRepoOption, hasFlag, numberOption, putWorkspace } from "./cpu-bench-setup.ts";
import { median, startS3dirs, targetsPerServer } from "./cpu-servers.ts";
import { runCurlLoad } from "./curl-load.ts";
import { keyNames, MiB } from "./fixtures.ts";
import { type RunningServer, startBare } from "./servers.ts";
import { countSyscalls, perRequest } from "./syscall-count.ts";
import {
  threadGroups as groups,
  type ThreadGroup,
  threadSnapshot,
  ticksPerSecond,
  ticksSince,
} from "./thread-cpu.ts";

const mib = numberOption("--mib", 64);
const puts = numberOption("--puts", 8);
const rounds = numberOption("--rounds", 3);
const connections = numberOption("--concurrency", 1);
const compareRepo = compareRepoOption();
const log = (line: string) => process.stderr.write(`${line}\n`);

installCleanup();
const { dir, root, bareTemp, body } = putWorkspace("put-large-", mib * MiB);
const servers: RunningServer[] = [
  await startBare(root, join(dir, "bare-atomic.log"), "bare atomic+MD5", bareTemp),
];
const s3dirs = await startS3dirs(root, dir, compareRepo);
servers.push(...s3dirs);
const keys = keyNames("putlarge", Math.max(4, connections));
const targetFiles = await targetsPerServer(dir, servers, s3dirs[0]!, "PUT", keys);
const targets = new Map<RunningServer, string[]>();
for (const s of servers)
  targets.set(s, (await Bun.file(targetFiles.get(s)!).text()).split("\n").filter(Boolean));

/** `count` PUTs split over the connections (each worker stops once the deadline of 0 s passed). */
async function putRun(server: RunningServer, count: number) {
  let total = 0;
  let seconds = 0;
  for (let done = 0; done < count; done += connections) {
    const r = await runCurlLoad({
      origin: server.origin,
      method: "PUT",
      targets: targets.get(server)!,
      bodyFile: body,
      size: mib * MiB,
      connections,
      durationSeconds: 0,
    });
    if (r.errors.read + r.errors.status > 0) throw new Error(`${server.label}: ${r.lastError}`);
    total += r.requests;
    seconds += r.durationUs / 1e6;
  }
  return { requests: total, seconds };
}

const results = new Map<string, { us: Map<ThreadGroup, number>; total: number; mibps: number }[]>();
for (let round = 0; round < rounds; round++) {
  for (const server of servers) {
    await putRun(server, 2 * connections); // warm-up
    Bun.spawnSync(["sync"]);
    const before = threadSnapshot(server.pid);
    const r = await putRun(server, puts);
    const ticks = ticksSince(server.pid, before);
    const us = new Map<ThreadGroup, number>();
    let total = 0;
    for (const g of groups) {
      const v = (ticks.get(g)! / ticksPerSecond / (r.requests * mib)) * 1e6;
      us.set(g, v);
      total += v;
    }
    const mibps = (r.requests * mib) / r.seconds;
    const split = groups.map((g) => `${g} ${us.get(g)!.toFixed(0)}`).join(", ");
    log(`${server.label}: ${total.toFixed(0)} µs CPU/MiB (${split}), ${mibps.toFixed(0)} MiB/s`);
    results.set(server.label, [...(results.get(server.label) ?? []), { us, total, mibps }]);
  }
}
const atomic = results.get(servers[0]!.label)!;
const atomicUs = median(atomic.map((m) => m.total));
const atomicMibps = median(atomic.map((m) => m.mibps));
process.stdout.write(
  `| server | CPU µs/MiB |${groups.map((g) => ` ${g} |`).join("")} MiB/s | CPU ratio atomic/server | MiB/s ratio |\n` +
    `|---|---:|${groups.map(() => "---:|").join("")}---:|---:|---:|\n`,
);
for (const [label, ms] of results) {
  const total = median(ms.map((m) => m.total));
  const parts = groups.map((g) => ` ${median(ms.map((m) => m.us.get(g)!)).toFixed(0)} |`).join("");
  const mibps = median(ms.map((m) => m.mibps));
  process.stdout.write(
    `| ${label} | ${total.toFixed(0)} |${parts} ${mibps.toFixed(0)} | ${(atomicUs / total).toFixed(2)}× | ${(mibps / atomicMibps).toFixed(2)}× |\n`,
  );
}
if (hasFlag("--strace")) {
  for (const server of servers) {
    let requests = 0;
    const counts = await countSyscalls(server.pid, join(dir, `strace-${server.pid}`), async () => {
      requests = (await putRun(server, 2)).requests;
    });
    process.stdout.write(
      `\n${server.label}: system calls per MiB: ${perRequest(counts, requests * mib, true)}; other: ${perRequest(counts, requests * mib, false)}\n`,
    );
  }
}
for (const server of servers) await server.stop();
cleanupNow();
