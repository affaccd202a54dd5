/**
 * `npm run bench:scale`: the same load against one host over a local directory, one host over
 * GlusterFS, and three hosts over GlusterFS behind nginx, in one run, so that both the cost of
 * the distributed filesystem and the benefit of more hosts show. On a 2-core machine the hosts,
 * the gluster processes and the load generator share the CPU, so it also reports CPU seconds
 * per request: s3dir's (all hosts) and GlusterFS's (FUSE clients and bricks).
 *
 *   bun scripts/bench-scale.ts [--duration 3]
 *
 * Writes a Markdown table to stdout and to .bench/scale.md.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startGluster } from "../test/helpers/gluster.ts";
import { startNginx } from "../test/helpers/load-balancer.ts";
import { cleanupNow, installCleanup, trackPath } from "./bench/cleanup.ts";
import { KiB, keyNames, makeBucket, presign, writeRandomFile, writeTargets } from "./bench/fixtures.ts";
import { type RunningServer, startS3dir } from "./bench/servers.ts";
import { ensureWrk, runWrk } from "./bench/wrk.ts";

const repo = resolve(import.meta.dir, "..");
const duration = Number(process.argv[process.argv.indexOf("--duration") + 1]) || 3;
const bucket = "bench";
const getKeys = keyNames("get", 64);
const putKeys = keyNames("put", 4000);
const listKeys = 500;

/** utime + stime of a process in seconds (0 when gone). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function glusterPids(): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return /^glusterfsd?$/.test(readFileSync(`/proc/${pid}/comm`, "utf8").trim());
      } catch {
        return false;
      }
    });
}

interface Setup {
  label: string;
  hosts: RunningServer[];
  /** Where clients send requests: the single host, or nginx. */
  origin: string;
}

interface Measure {
  label: string;
  rate: number;
  unit: string;
  s3dirCpuMs: number;
  glusterCpuMs: number;
}

async function measure(
  setup: Setup,
  work: string,
  name: string,
  run: () => Promise<number>,
): Promise<Measure> {
  const gpids = glusterPids();
  const before = setup.hosts.map((h) => cpuSeconds(h.pid));
  const gBefore = gpids.map(cpuSeconds);
  const requests = await run();
  const s3dirCpu = setup.hosts.reduce((sum, h, i) => sum + cpuSeconds(h.pid) - before[i]!, 0);
  const glusterCpu = gpids.reduce((sum, pid, i) => sum + cpuSeconds(pid) - gBefore[i]!, 0);
  void work;
  return {
    label: name,
    rate: requests / duration,
    unit: "req/s",
    s3dirCpuMs: (s3dirCpu * 1000) / Math.max(1, requests),
    glusterCpuMs: (glusterCpu * 1000) / Math.max(1, requests),
  };
}

async function runSetup(setup: Setup, root: string, work: string): Promise<Measure[]> {
  const dir = join(work, setup.label.replace(/\W+/g, "-"));
  mkdirSync(dir, { recursive: true });
  const out: Measure[] = [];
  const get = join(dir, "get.txt");
  const put = join(dir, "put.txt");
  const body = join(dir, "body.bin");
  writeRandomFile(body, 4 * KiB);
  await writeTargets(get, "GET", setup.origin, bucket, getKeys);
  await writeTargets(put, "PUT", setup.origin, bucket, putKeys);
  const wrk = (method: "GET" | "PUT", targetsFile: string) => async () =>
    (
      await runWrk({
        origin: setup.origin,
        method,
        targetsFile,
        bodyFile: method === "PUT" ? body : undefined,
        connections: 16,
        threads: 2,
        durationSeconds: duration,
        timeoutSeconds: 10,
      })
    ).requests;
  out.push(await measure(setup, work, "GET 4 KiB (c=16)", wrk("GET", get)));
  out.push(await measure(setup, work, "PUT 4 KiB (c=16)", wrk("PUT", put)));
  // Listing: pages of 1,000 over listKeys objects, repeated for the duration.
  const listUrl = await presign("GET", setup.origin, `/${bucket}?list-type=2&prefix=list%2F&max-keys=1000`);
  out.push(
    await measure(setup, work, `List ${listKeys} keys`, async () => {
      const deadline = performance.now() + duration * 1000;
      let n = 0;
      while (performance.now() < deadline) {
        const res = await fetch(listUrl);
        const text = await res.text();
        if (res.status !== 200 || !text.includes("<KeyCount>"))
          throw new Error(`list failed: ${res.status} ${text}`);
        n++;
      }
      return n;
    }),
  );
  void root;
  return out;
}

function prepareRoot(root: string, body: Uint8Array): void {
  const dir = makeBucket(root, bucket);
  for (const key of getKeys) writeFileSync(join(dir, key), body);
  mkdirSync(join(dir, "list"), { recursive: true });
  for (let i = 0; i < listKeys; i++) writeFileSync(join(dir, "list", `k${String(i).padStart(5, "0")}`), "x");
}

async function main(): Promise<void> {
  installCleanup();
  await ensureWrk();
  mkdirSync(join(repo, ".bench"), { recursive: true });
  const work = join(repo, ".bench", `scale-${process.pid}`);
  mkdirSync(work, { recursive: true });
  trackPath(work);
  const body = crypto.getRandomValues(new Uint8Array(4 * KiB));
  const rows: { setup: string; measures: Measure[] }[] = [];

  const local = join(work, "local-root");
  mkdirSync(local);
  prepareRoot(local, body);
  const one = await startS3dir({
    root: local,
    fsync: true,
    accessLog: false,
    logFile: join(work, "local.log"),
    label: "s3dir",
  });
  rows.push({
    setup: "1 host, local directory",
    measures: await runSetup({ label: "local", hosts: [one], origin: one.origin }, local, work),
  });
  await one.stop();

  const gluster = await startGluster();
  try {
    const volume = await gluster.volume("bench", { mounts: 3, coherent: true });
    process.stderr.write("bench: filling the GlusterFS volume\n");
    prepareRoot(volume.mounts[0]!, body);
    const hosts: RunningServer[] = [];
    for (const [i, m] of volume.mounts.entries()) {
      hosts.push(
        await startS3dir({
          root: m,
          fsync: true,
          accessLog: false,
          logFile: join(work, `gl${i}.log`),
          label: `s3dir ${i}`,
        }),
      );
    }
    rows.push({
      setup: "1 host, GlusterFS (coherent)",
      measures: await runSetup(
        { label: "gluster-1", hosts: [hosts[0]!], origin: hosts[0]!.origin },
        volume.mounts[0]!,
        work,
      ),
    });
    const nginx = await startNginx(hosts.map((h) => ({ port: Number(new URL(h.origin).port) })));
    try {
      rows.push({
        setup: "3 hosts, GlusterFS (coherent), nginx",
        measures: await runSetup(
          { label: "gluster-3", hosts, origin: nginx.endpoint },
          volume.mounts[0]!,
          work,
        ),
      });
    } finally {
      await nginx.stop();
    }
    for (const h of hosts) await h.stop();
  } finally {
    await gluster.stop();
  }

  const base = rows[0]!.measures;
  const lines = [
    `Scale-out, ${duration} s per run, wrk -t2 -c16 for 4 KiB, one client for listing; ${navigator.hardwareConcurrency} cores shared by everything.`,
    "",
    "| setup | load | rate | vs 1 host local | s3dir CPU ms/req | GlusterFS CPU ms/req |",
    "| --- | --- | ---: | ---: | ---: | ---: |",
  ];
  for (const row of rows) {
    row.measures.forEach((m, i) => {
      lines.push(
        `| ${row.setup} | ${m.label} | ${m.rate.toFixed(0)} ${m.unit} | ${(m.rate / base[i]!.rate).toFixed(2)}× | ${m.s3dirCpuMs.toFixed(3)} | ${m.glusterCpuMs.toFixed(3)} |`,
      );
    });
  }
  const report = `${lines.join("\n")}\n`;
  process.stdout.write(report);
  writeFileSync(join(repo, ".bench", "scale.md"), report);
}

try {
  await main();
} finally {
  cleanupNow();
}
