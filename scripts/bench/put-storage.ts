/**
 * CPU time of storage's write path alone per small PUT: `store.putObject` of a 4 KiB WholeBody
 * over 4,000 keys, 16 at a time, in this process (no HTTP, no request pipeline, `--fsync off`),
 * against the bare atomic sequence done the same way (16 at a time: a new temp file opened on
 * the runtime's pool, MD5, a blocking pwrite and close, the rename on the pool) and against
 * that sequence with s3dir's own calls added (fstat, fsetxattr, openat2 of the key's directory,
 * the rename through /proc/self/fd, a second close), so what remains is orchestration. Rounds
 * alternate between the two; per-thread CPU (/proc/self/task/N/stat) splits the event loop
 * from the pool. The warm-up is 20,000 of each, past the optimizing compiler's work.
 *
 *   bun scripts/bench/put-storage.ts [--repo DIR] [--requests 10000] [--rounds 5] [--warmup 20000]
 *
 * --repo measures another source tree's store (a worktree of an earlier commit with a
 * node_modules link); the bare sequence is the same code either way.
 */
import { closeSync, constants, fstatSync, mkdirSync, mkdtempSync, open, rmSync, writeSync } from "node:fs";
import { rename } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { openBeneath, openBeneathRoot } from "../../src/runtime/open-beneath.ts";
import { fSetXattr } from "../../src/runtime/xattr.ts";
import { sdkPutRecord } from "./sample-record.ts";
import { threadSnapshot, ticksPerSecond, ticksSince } from "./thread-cpu.ts";

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const repo = resolve(option("--repo") ?? join(import.meta.dir, "..", ".."));
const requests = Number(option("--requests") ?? 10000);
const rounds = Number(option("--rounds") ?? 5);
const warmup = Number(option("--warmup") ?? 20000);
const concurrency = 16;
const KEYS = 4000;
const openFd = promisify(open);
const { O_RDONLY, O_DIRECTORY } = constants;

const { createPosixStore } = await import(join(repo, "src/storage/index.ts"));
const benchDir = resolve(import.meta.dir, "..", "..", ".bench");
mkdirSync(benchDir, { recursive: true });
const root = mkdtempSync(join(benchDir, "put-storage-"));
const store = await createPosixStore({ root, fsync: false, cleanStaleTemps: false });
const data = new Uint8Array(4096).fill(120);
const keys = Array.from({ length: KEYS }, (_, i) => `put4k-${String(i).padStart(5, "0")}`);

const storePut = async (key: string) => {
  await store.putObject({
    bucket: "bench",
    key,
    body: { size: data.length, read: async () => data, cancel: async () => {} },
    attributes: { userMetadata: {} },
    verify: { expectedSize: data.length },
  });
};

const bareDir = join(root, "bare");
mkdirSync(join(bareDir, "tmp"), { recursive: true });
mkdirSync(join(bareDir, "bucket"), { recursive: true });
let bareTemp = 0;
const barePut = async (key: string) => {
  const temp = `${bareDir}/tmp/t${bareTemp++}`;
  const fd = await openFd(temp, "wx");
  const md5 = new Bun.CryptoHasher("md5");
  md5.update(data);
  writeSync(fd, data, 0, data.length, 0);
  closeSync(fd);
  await rename(temp, `${bareDir}/bucket/${key}`);
  md5.digest("hex");
};

/** The bare sequence plus s3dir's own calls (file-sequence.ts s3dir): what the kernel adds. */
const rootFd = openBeneathRoot(root);
const record = sdkPutRecord;
const callsPut = async (key: string) => {
  const temp = `${bareDir}/tmp/t${bareTemp++}`;
  const fd = await openFd(temp, "wx");
  const md5 = new Bun.CryptoHasher("md5");
  md5.update(data);
  writeSync(fd, data, 0, data.length, 0);
  fstatSync(fd, { bigint: true });
  fSetXattr(fd, "user.s3dir", record);
  closeSync(fd);
  const dirFd = openBeneath(rootFd as number, "bare/bucket", O_RDONLY | O_DIRECTORY) as number;
  await rename(temp, `/proc/self/fd/${dirFd}/${key}`);
  closeSync(dirFd);
  md5.digest("hex");
};

const run = async (put: (key: string) => Promise<void>, n: number) => {
  let next = 0;
  const worker = async () => {
    while (next < n) await put(keys[next++ % KEYS] as string);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
};

const measure = async (put: (key: string) => Promise<void>) => {
  Bun.gc(true);
  const threads = threadSnapshot(process.pid);
  const before = process.cpuUsage();
  await run(put, requests);
  const used = process.cpuUsage(before);
  const ticks = ticksSince(process.pid, threads);
  const perPut = (t: number) => ((t / ticksPerSecond) * 1e6) / requests;
  return {
    all: (used.user + used.system) / requests,
    loop: perPut(ticks.get("loop") ?? 0),
    pool: perPut(ticks.get("pool") ?? 0),
    other: perPut((ticks.get("jit") ?? 0) + (ticks.get("gc") ?? 0) + (ticks.get("other") ?? 0)),
  };
};

try {
  await store.createBucket("bench");
  await run(storePut, warmup);
  await run(barePut, warmup);
  await run(callsPut, warmup);
  type Round = { all: number; loop: number; pool: number; other: number };
  const results: Record<string, Round[]> = { store: [], bare: [], calls: [] };
  for (let round = 0; round < rounds; round++) {
    results.store!.push(await measure(storePut));
    results.bare!.push(await measure(barePut));
    results.calls!.push(await measure(callsPut));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  for (const [name, rs] of Object.entries(results)) {
    process.stdout.write(
      `${{ store: repo, bare: "bare atomic", calls: "bare atomic + s3dir's calls" }[name]}: ${median(rs.map((r) => r.all)).toFixed(1)} µs CPU/PUT median ` +
        `(loop ${median(rs.map((r) => r.loop)).toFixed(1)}, pool ${median(rs.map((r) => r.pool)).toFixed(1)}, other ${median(rs.map((r) => r.other)).toFixed(1)}; ` +
        `rounds ${rs.map((r) => r.all.toFixed(0)).join(" ")})\n`,
    );
  }
} finally {
  await store.close();
  rmSync(root, { recursive: true, force: true });
}
