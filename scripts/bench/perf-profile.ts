/**
 * Where s3dir's event loop spends a small GET or PUT, with its JavaScript named: s3dir (access log
 * on, `--fsync off`) under the same wrk load as get-cpu.ts / put-cpu.ts (c=16, 1,000 keys of 4 KiB),
 * sampled by `perf record -a -g` (the whole machine: following one process's threads costs that
 * process more than sampling every CPU) for a bounded time once its JIT is quiet. Prints the main thread's
 * busy share, the machine's idle cores meanwhile, and the main thread's time per request by kernel
 * system call, runtime native code outside JavaScript, and JavaScript function (perf-samples.ts).
 *
 *   bun scripts/bench/perf-profile.ts [--method GET|PUT] [--server s3dir|bare|floor] [--seconds 8]
 *     [--top 30] [--frequency 999]
 *
 * --server bare or floor profiles bare-server.ts instead (GET only for floor), for comparison.
 * `--no-names` leaves the jitdump off (and the table by JavaScript function out); with `perf -a`
 * neither way changed the server's rate beyond the noise here (10,077 and 11,179 GET/s,
 * 2026-12-06), while following its threads with `perf -p` cost it 40 %.
 *
 * Needs `perf` (Debian: linux-perf) and permission to profile (root, or perf_event_paranoid ≤ 1).
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cleanupNow, installCleanup, trackChild } from "./cleanup.ts";
import { numberOption, putWorkspace } from "./cpu-bench-setup.ts";
import { keyNames, writeTargets } from "./fixtures.ts";
import { prepareGetPool } from "./http-cases.ts";
import { classify, jitdumpToPerfMap, samplesOfThread, topRows } from "./perf-samples.ts";
import { startBare, startS3dir } from "./servers.ts";
import { warmUntilJitQuiet } from "./thread-cpu.ts";
import { runWrk } from "./wrk.ts";

const args = process.argv.slice(2);
const optionText = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const method = optionText("--method")?.toUpperCase() === "PUT" ? "PUT" : "GET";
const kind = optionText("--server") ?? "s3dir";
if (kind !== "s3dir" && kind !== "bare" && kind !== "floor")
  throw new Error(`--server ${kind}: s3dir, bare or floor`);
const seconds = numberOption("--seconds", 8);
const top = numberOption("--top", 30);
const frequency = numberOption("--frequency", 999);
const names = !args.includes("--no-names");
const log = (line: string) => process.stderr.write(`${line}\n`);

if (!Bun.which("perf")) {
  log("perf-profile: `perf` is not installed (Debian: apt-get install linux-perf)");
  process.exit(2);
}
installCleanup();
const { dir, root, body, bareTemp } = putWorkspace("perf-", 4096);
// Only the server writes a jitdump: the variables are set for the child, not for this process.
if (names) {
  process.env.BUN_JSC_useJITDump = "1";
  process.env.BUN_JSC_jitDumpDirectory = dir;
}
const s3dir = await startS3dir({
  root,
  fsync: false,
  accessLog: true,
  logFile: join(dir, "s3dir.log"),
  label: "s3dir",
});
const server =
  kind === "s3dir"
    ? s3dir
    : await startBare(
        root,
        join(dir, "bare.log"),
        kind,
        kind === "floor" ? "floor" : method === "PUT" ? bareTemp : undefined,
      );
delete process.env.BUN_JSC_useJITDump;
delete process.env.BUN_JSC_jitDumpDirectory;
const keys = keyNames(method === "GET" ? "get4k" : "put4k", 1000);
if (method === "GET") await prepareGetPool({ root, s3dir, log }, keys, body);
const targetsFile = join(dir, "targets");
// The bare servers ignore the query: URLs presigned for s3dir's origin do for them too.
await writeTargets(targetsFile, method, s3dir.origin, "bench", keys);
if (server !== s3dir) await s3dir.stop();
const load = (durationSeconds: number) =>
  runWrk({
    origin: server.origin,
    method,
    targetsFile,
    bodyFile: method === "PUT" ? body : undefined,
    connections: 16,
    threads: 2,
    durationSeconds,
    timeoutSeconds: 10,
  });
const warmed = await warmUntilJitQuiet(server.pid, load, { minSeconds: 2, maxSeconds: 40 });

/** Busy and idle clock ticks of the whole machine, from /proc/stat. */
function machineTicks(): { idle: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { idle: fields[3]! + fields[4]!, total: fields.reduce((a, b) => a + b, 0) };
}

const perfData = join(dir, "perf.data");
const before = machineTicks();
const perf = trackChild(
  Bun.spawn(
    ["perf", "record", "-F", String(frequency), "-g", "-a", "-o", perfData, "--", "sleep", String(seconds)],
    { stdout: "ignore", stderr: "pipe" },
  ),
);
const result = await load(seconds);
if ((await perf.exited) !== 0)
  throw new Error(`perf record failed: ${await new Response(perf.stderr).text()}`);
const after = machineTicks();
const cores = navigator.hardwareConcurrency;
const idleCores = (cores * (after.idle - before.idle)) / (after.total - before.total);
await server.stop();

const mapFile = `/tmp/perf-${server.pid}.map`;
// JavaScriptCore names it jit-<id>-<pid>.dump.
if (names) {
  const dump = readdirSync(dir).find(
    (name) => name.startsWith("jit-") && name.endsWith(`-${server.pid}.dump`),
  );
  if (!dump) throw new Error("the server wrote no jitdump");
  jitdumpToPerfMap(join(dir, dump), mapFile);
}
const script = Bun.spawnSync(["perf", "script", "-F", "comm,tid,ip,sym,dso", "-i", perfData], {
  stdout: "pipe",
  stderr: "ignore",
});
rmSync(mapFile, { force: true });
const byThread = new Map<string, number>();
const samples = samplesOfThread(script.stdout.toString(), server.pid, byThread);
const breakdown = classify(samples);
const requests = result.requests;
const usPerSample = 1e6 / frequency / requests;
const mainBusy = samples.length / frequency / seconds;

const lines = [
  `# ${server.label} ${method} 4 KiB, c=16: ${Math.round(requests / seconds)} req/s while sampled (${seconds} s, JIT quiet after ${warmed} s${names ? ", JavaScript named" : ""})`,
  "",
  `- event loop (main thread) busy: ${(100 * mainBusy).toFixed(0)} % of a core; ${((samples.length * 1e6) / frequency / requests).toFixed(1)} µs per request`,
  `- idle cores on the machine meanwhile: ${idleCores.toFixed(2)} of ${cores}`,
  "",
  "| every thread on the machine (swapper: idle) | samples per main-thread sample | µs/request |",
  "| --- | ---: | ---: |",
  ...topRows(byThread, samples.length, usPerSample, 8),
  "",
  "| main thread, by leaf frame | share | µs/request |",
  "| --- | ---: | ---: |",
  ...topRows(breakdown.leaf, samples.length, usPerSample, 3),
  "",
  "| kernel, by system call | share | µs/request |",
  "| --- | ---: | ---: |",
  ...topRows(breakdown.kernel, samples.length, usPerSample, 10),
  "",
  "| no JavaScript on the stack | share | µs/request |",
  "| --- | ---: | ---: |",
  ...topRows(breakdown.outsideJs, samples.length, usPerSample, 8),
  "",
  ...(names
    ? [
        "| innermost JavaScript function (with the native and kernel code it calls) | share | µs/request |",
        "| --- | ---: | ---: |",
        ...topRows(breakdown.jsSelf, samples.length, usPerSample, top),
      ]
    : []),
];
console.log(lines.join("\n"));
cleanupNow();
