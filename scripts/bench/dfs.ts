/**
 * Round trips on a distributed filesystem: one s3dir host over a local directory, over a
 * GlusterFS volume with its default (caching) profile and with the coherent profile
 * (test/helpers/gluster.ts, docs/cluster.md), each filled with 2,000 keys of 16 B in 20
 * prefixes through the server. Measured per setup, in one run:
 *
 * - the 2,000 PUTs at c=16 that fill the bucket;
 * - a full ListObjectsV2 walk (pages of 1,000): the first after the fill, and the best of 3;
 * - the baseline of that walk: a bare readdir + lstat of the same files from this process,
 *   sequential and synchronous (best of 3);
 * - serial GETs of 16 B objects (mean over 200 distinct keys, second pass);
 * - system calls of the server per GET, HEAD, PUT and per listed key, counted with
 *   `strace -f -c` attached to the server during 200 serial requests (one full walk for the
 *   listing).
 *
 *   bun scripts/bench/dfs.ts [--setups local,caching,coherent] [--baseline DIR]
 *
 * With --baseline (a checkout of an earlier commit, e.g. from `git archive`), a second server
 * runs that commit's code over the same files, and the walks and GETs alternate between the
 * two (this commit's first, so a warmed filesystem cache never flatters it): before and after
 * in one run. Serial GETs also report the server's CPU time per request (utime + stime).
 *
 * Needs root (GlusterFS, strace). Bounded: every request times out after 60 s and the whole
 * run after 20 minutes; the volumes are unmounted and glusterd stopped at the end.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startGluster } from "../../test/helpers/gluster.ts";
import { cleanupNow, installCleanup, trackPath } from "./cleanup.ts";
import { makeBucket, presign } from "./fixtures.ts";
import { type RunningServer, repoRoot, startS3dir } from "./servers.ts";
import { countSyscalls, filesystemTotal, perRequest, type SyscallCounts } from "./syscall-count.ts";

const bucket = "dfs";
const prefixes = 20;
const perPrefix = 100;
const body = "0123456789abcdef"; // 16 B
const putConcurrency = 16;
const serialRequests = 200;
const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1];
const baseline = process.argv.includes("--baseline") ? arg("--baseline") : undefined;
const setups = (process.argv.includes("--setups") ? arg("--setups")! : "local,caching,coherent").split(",");

const keys = Array.from({ length: prefixes * perPrefix }, (_, i) => {
  const p = String(Math.floor(i / perPrefix)).padStart(2, "0");
  return `p${p}/k${String(i % perPrefix).padStart(3, "0")}`;
});
/** Every tenth key: 200 keys spread over all prefixes. */
const sampleKeys = keys.filter((_, i) => i % (keys.length / serialRequests) === 0);

interface Counted {
  label: string;
  requests: number;
  counts: SyscallCounts;
}

/** What one server (this commit's, or the baseline's) measured over a setup. */
interface ServerResult {
  code: "this commit" | "baseline";
  listFirstMs: number;
  listWarmMs: number;
  getMs: number;
  getCpuMs: number;
  /** The first walk of a freshly started server over warm filesystem caches. */
  restartedFirstMs?: number;
}

interface SetupResult {
  setup: string;
  putMs: number;
  bareMs: number;
  servers: ServerResult[];
  counted: Counted[];
}

async function request(method: string, origin: string, path: string, data?: string): Promise<Response> {
  const res = await fetch(await presign(method, origin, path), {
    method,
    body: data,
    signal: AbortSignal.timeout(60_000),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}`);
  return res;
}

async function putAll(origin: string, list: string[], concurrency: number): Promise<number> {
  const urls = await Promise.all(list.map((k) => presign("PUT", origin, `/${bucket}/${k}`)));
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < urls.length) {
      const url = urls[next++]!;
      const res = await fetch(url, { method: "PUT", body, signal: AbortSignal.timeout(60_000) });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`PUT ${url}: HTTP ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - start;
}

/** A full ListObjectsV2 walk in pages of 1,000; the number of keys and the time it took. */
async function walk(origin: string): Promise<{ ms: number; keys: number }> {
  const start = performance.now();
  let token: string | undefined;
  let count = 0;
  for (let page = 0; page < 100; page++) {
    let query = "list-type=2&max-keys=1000";
    if (token) query += `&continuation-token=${encodeURIComponent(token)}`;
    const res = await fetch(await presign("GET", origin, `/${bucket}?${query}`), {
      signal: AbortSignal.timeout(60_000),
    });
    const xml = await res.text();
    if (!res.ok) throw new Error(`list: HTTP ${res.status} ${xml.slice(0, 200)}`);
    count += xml.match(/<Key>/g)?.length ?? 0;
    token = /<NextContinuationToken>([^<]*)</.exec(xml)?.[1]?.replaceAll("&amp;", "&");
    if (!token) return { ms: performance.now() - start, keys: count };
  }
  throw new Error("listing does not end");
}

/** readdir of the bucket and of each prefix, lstat of each file: the floor of a listing. */
function bareWalk(dir: string): number {
  const start = performance.now();
  let n = 0;
  for (const p of readdirSync(dir)) {
    for (const f of readdirSync(join(dir, p))) {
      lstatSync(join(dir, p, f));
      n++;
    }
  }
  if (n !== keys.length) throw new Error(`bare walk found ${n} files`);
  return performance.now() - start;
}

async function serial(method: string, origin: string, list: string[]): Promise<number> {
  const start = performance.now();
  for (const k of list) await request(method, origin, `/${bucket}/${k}`);
  return (performance.now() - start) / list.length;
}

/** utime + stime of a process in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(setup: string, root: string, work: string): Promise<SetupResult> {
  const log = (s: string) => process.stderr.write(`bench dfs [${setup}]: ${s}\n`);
  const dir = makeBucket(root, bucket);
  const start = (code: ServerResult["code"], checkout?: string) =>
    startS3dir({
      root,
      fsync: false,
      accessLog: false,
      logFile: join(work, `${setup}-${code.replace(" ", "-")}.log`),
      label: `s3dir ${setup} ${code}`,
      checkout,
    });
  const servers: { code: ServerResult["code"]; server: RunningServer }[] = [];
  try {
    servers.push({ code: "this commit", server: await start("this commit") });
    const putMs = await putAll(servers[0]!.server.origin, keys, putConcurrency);
    log(`${keys.length} PUTs at c=${putConcurrency}: ${putMs.toFixed(0)} ms`);
    if (baseline) servers.push({ code: "baseline", server: await start("baseline", baseline) });
    const results: ServerResult[] = [];
    for (const { code, server } of servers) {
      const first = await walk(server.origin);
      if (first.keys !== keys.length) throw new Error(`listed ${first.keys} keys`);
      results.push({ code, listFirstMs: first.ms, listWarmMs: Infinity, getMs: 0, getCpuMs: 0 });
    }
    const bare: number[] = [];
    for (let i = 0; i < 3; i++) {
      for (const [n, { server }] of servers.entries()) {
        results[n]!.listWarmMs = Math.min(results[n]!.listWarmMs, (await walk(server.origin)).ms);
      }
      bare.push(bareWalk(dir));
    }
    for (const { server } of servers) await serial("GET", server.origin, sampleKeys);
    const gets = servers.map(() => ({ ms: [] as number[], cpu: [] as number[] }));
    for (let round = 0; round < 3; round++) {
      for (const [n, { server }] of servers.entries()) {
        const cpu0 = cpuMs(server.pid);
        gets[n]!.ms.push(await serial("GET", server.origin, sampleKeys));
        gets[n]!.cpu.push((cpuMs(server.pid) - cpu0) / sampleKeys.length);
      }
    }
    for (const [n, r] of results.entries()) {
      r.getMs = median(gets[n]!.ms);
      r.getCpuMs = median(gets[n]!.cpu);
      log(
        `${r.code}: walk first ${r.listFirstMs.toFixed(0)} ms, best ${r.listWarmMs.toFixed(0)} ms; serial GET ${r.getMs.toFixed(2)} ms, CPU ${r.getCpuMs.toFixed(3)} ms`,
      );
    }
    log(`bare walk ${bare.map((m) => m.toFixed(0)).join("/")} ms`);
    // A restarted server knows no records while the filesystem's caches are warm: its first
    // walk reads every record once. The baseline goes first here.
    for (let n = servers.length - 1; n >= 0; n--) {
      const { code, server } = servers[n]!;
      await server.stop();
      servers[n] = { code, server: await start(code, code === "baseline" ? baseline : undefined) };
      results[n]!.restartedFirstMs = (await walk(servers[n]!.server.origin)).ms;
      log(`${code}: first walk after a restart ${results[n]!.restartedFirstMs!.toFixed(0)} ms`);
    }
    const counted = await countAll(servers[0]!.server, work, setup);
    return { setup, putMs, bareMs: Math.min(...bare), servers: results, counted };
  } finally {
    for (const { server } of servers) await server.stop();
  }
}

async function countAll(server: RunningServer, work: string, setup: string): Promise<Counted[]> {
  const out = join(work, `${setup}.strace`);
  const o = server.origin;
  const counted: Counted[] = [];
  const count = async (label: string, requests: number, run: () => Promise<unknown>) => {
    counted.push({
      label,
      requests,
      counts: await countSyscalls(server.pid, out, async () => void (await run())),
    });
  };
  await count("GET (warm, 16 B)", sampleKeys.length, () => serial("GET", o, sampleKeys));
  await count("HEAD (warm)", sampleKeys.length, () => serial("HEAD", o, sampleKeys));
  const fresh = sampleKeys.map((k) => `new/${k.replace("/", "-")}`);
  await count("PUT (new key, 16 B)", fresh.length, () => putAll(o, fresh, 1));
  // Warm: records are cached once their file's ctime is a second old (docs/performance.md).
  await Bun.sleep(1100);
  await walk(o);
  // The fresh keys make 2,200: the walk is counted per listed key.
  await count("per listed key (warm walk)", keys.length + fresh.length, () => walk(o));
  return counted;
}

function report(results: SetupResult[]): string {
  const local = results.find((r) => r.setup === "local")?.servers[0];
  const lines = [
    `2,000 keys of 16 B in 20 prefixes, one host, --fsync off, access log off; ${navigator.hardwareConcurrency} cores.`,
    "",
    "| setup | code | 2,000 PUTs c=16 | ListObjectsV2 walk: first / best of 3 | first after a restart | bare readdir + lstat | walk / bare | walk / local walk | serial GET (median of 3) | CPU per GET |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    for (const s of r.servers) {
      const vsLocal = local ? `${(s.listWarmMs / local.listWarmMs).toFixed(2)}×` : "–";
      const put = s.code === "this commit" ? `${(r.putMs / 1000).toFixed(2)} s` : "–";
      lines.push(
        `| ${r.setup} | ${s.code} | ${put} | ${s.listFirstMs.toFixed(0)} / ${s.listWarmMs.toFixed(0)} ms | ${s.restartedFirstMs?.toFixed(0) ?? "–"} ms | ${r.bareMs.toFixed(0)} ms | ${(s.listWarmMs / r.bareMs).toFixed(2)}× | ${vsLocal} | ${s.getMs.toFixed(2)} ms | ${s.getCpuMs.toFixed(3)} ms |`,
      );
    }
  }
  lines.push(
    "",
    "System calls of the server (this commit) per request (strace -f -c, 200 serial requests; calls seen at least once per 20):",
    "",
  );
  lines.push(
    "| setup | request | filesystem calls | total | other calls |",
    "| --- | --- | --- | ---: | --- |",
  );
  for (const r of results) {
    for (const c of r.counted) {
      lines.push(
        `| ${r.setup} | ${c.label} | ${perRequest(c.counts, c.requests, true)} | ${filesystemTotal(c.counts, c.requests).toFixed(2)} | ${perRequest(c.counts, c.requests, false)} |`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

async function main(): Promise<void> {
  installCleanup();
  const deadline = setTimeout(() => {
    process.stderr.write("bench dfs: 20 minutes passed, giving up\n");
    process.exit(1);
  }, 20 * 60_000);
  deadline.unref();
  const work = trackPath(join(repoRoot, ".bench", `dfs-${process.pid}`));
  mkdirSync(work, { recursive: true });
  const results: SetupResult[] = [];
  if (setups.includes("local")) {
    const root = join(work, "local-root");
    mkdirSync(root);
    results.push(await measure("local", root, work));
  }
  const glusterSetups = setups.filter((s) => s === "caching" || s === "coherent");
  if (glusterSetups.length) {
    const gluster = await startGluster();
    try {
      for (const s of glusterSetups) {
        const volume = await gluster.volume(`dfs${s}`, { mounts: 1, coherent: s === "coherent" });
        results.push(await measure(`GlusterFS ${s}`, volume.mounts[0]!, work));
      }
    } finally {
      await gluster.stop();
    }
  }
  const text = report(results);
  process.stdout.write(text);
  writeFileSync(join(repoRoot, ".bench", "dfs.md"), text);
}

try {
  await main();
} finally {
  cleanupNow();
}
