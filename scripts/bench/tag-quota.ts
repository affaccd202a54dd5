/**
 * What tags and a hard quota cost a small PUT: 4 KiB PUTs carrying an `x-amz-tagging` header
 * into a bucket with a hard quota, against plain 4 KiB PUTs into a bucket without one, on the
 * same s3dir server in the same run (rounds alternate between the two; the best of each counts).
 * The quota (1 TiB) is never reached: what is measured is the tag parsing and the quota gate.
 */
import { join } from "node:path";
import { KiB, keyNames, makeBucket, presign, writeRandomFile, writeTargets } from "./fixtures.ts";
import { formatNumber, type Row } from "./report.ts";
import { type RunningServer, repoRoot } from "./servers.ts";
import { runWrk, type WrkResult } from "./wrk.ts";

const plainBucket = "bench-plain";
const taggedBucket = "bench-tag-quota";
const tagging = { "x-amz-tagging": "project=bench&team=storage" };
const keyCount = 4000;
export const tagQuotaTarget = 0.9;

export interface TagQuotaBench {
  root: string;
  workDir: string;
  s3dir: RunningServer | undefined;
  concurrencies: number[];
  durationSeconds: number;
  warmupSeconds: number;
  rounds: number;
  log: (line: string) => void;
}

interface Side {
  label: string;
  bucket: string;
  headers?: Record<string, string>;
  targetsFile: string;
}

/** Sets the bucket's hard quota with the CLI, as an operator would. */
function setQuota(root: string, bucket: string): void {
  const out = Bun.spawnSync(
    [
      process.execPath,
      join(repoRoot, "src/main.ts"),
      "bucket",
      "quota",
      "set",
      bucket,
      "1TiB",
      "--root",
      root,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (out.exitCode !== 0) throw new Error(`bucket quota set: ${out.stderr.toString()}`);
}

async function probe(server: RunningServer, side: Side, bodyFile: string): Promise<void> {
  const target = (await Bun.file(side.targetsFile).text()).split("\n")[0]!;
  const res = await fetch(`${server.origin}${target}`, {
    method: "PUT",
    body: Bun.file(bodyFile),
    headers: side.headers,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`probe PUT ${side.label}: HTTP ${res.status} ${text.slice(0, 300)}`);
}

const rate = (r: WrkResult) => Math.max(0, r.requests - r.errors.status) / (r.durationUs / 1e6);
const failures = (r: WrkResult) =>
  r.errors.status + r.errors.timeout + r.errors.read + r.errors.write + r.errors.connect;

export async function runTagQuota(bench: TagQuotaBench): Promise<{ rows: Row[]; raw: unknown }> {
  const label = (c: number) => `PUT 4 KiB with a tag and a quota set, c=${c}`;
  const target = `≥ ${tagQuotaTarget}× of plain PUT 4 KiB (same s3dir)`;
  const server = bench.s3dir;
  if (!server) {
    return {
      rows: bench.concurrencies.map((c) => ({ case: label(c), s3dir: "not run", bare: "—", target })),
      raw: {},
    };
  }
  makeBucket(bench.root, plainBucket);
  makeBucket(bench.root, taggedBucket);
  setQuota(bench.root, taggedBucket);
  const bodyFile = join(bench.workDir, "body-tag-quota");
  writeRandomFile(bodyFile, 4 * KiB);
  const keys = keyNames("tq", keyCount);
  const sides: Side[] = [
    { label: "plain", bucket: plainBucket, targetsFile: join(bench.workDir, "targets-tq-plain") },
    {
      label: "tag + quota",
      bucket: taggedBucket,
      headers: tagging,
      targetsFile: join(bench.workDir, "targets-tq-tagged"),
    },
  ];
  for (const side of sides) {
    await writeTargets(side.targetsFile, "PUT", server.origin, side.bucket, keys, side.headers);
    await probe(server, side, bodyFile);
  }
  // The tags really land (a request that dropped them would measure nothing).
  const tags = await fetch(await presign("GET", server.origin, `/${taggedBucket}/${keys[0]}?tagging`));
  const tagXml = await tags.text();
  if (!tagXml.includes("<Key>team</Key>")) throw new Error(`no tags stored: ${tagXml.slice(0, 300)}`);

  const rows: Row[] = [];
  const raw: { side: string; connections: number; result: WrkResult }[] = [];
  for (const connections of bench.concurrencies) {
    const best = new Map<string, WrkResult>();
    for (let round = 1; round <= bench.rounds; round++) {
      for (const side of sides) {
        bench.log(`${label(connections)}: ${side.label} (round ${round}/${bench.rounds})…`);
        Bun.spawnSync(["sync"]);
        const run = {
          origin: server.origin,
          method: "PUT" as const,
          targetsFile: side.targetsFile,
          bodyFile,
          headers: side.headers,
          connections,
          threads: Math.min(2, connections),
          timeoutSeconds: 60,
        };
        if (bench.warmupSeconds > 0) await runWrk({ ...run, durationSeconds: bench.warmupSeconds });
        const r = await runWrk({ ...run, durationSeconds: bench.durationSeconds });
        bench.log(`  ${formatNumber(rate(r))} req/s, ${failures(r)} failed`);
        raw.push({ side: side.label, connections, result: r });
        const previous = best.get(side.label);
        if (!previous || rate(r) > rate(previous)) best.set(side.label, r);
      }
    }
    const plain = best.get("plain")!;
    const tagged = best.get("tag + quota")!;
    const ratio = rate(plain) > 0 ? rate(tagged) / rate(plain) : undefined;
    const clean = failures(plain) === 0 && failures(tagged) === 0;
    const cell = (r: WrkResult) =>
      `${formatNumber(rate(r))} req/s · p99 ${formatNumber(r.latencyUs.p99 / 1000, 2)} ms${failures(r) ? ` · ${failures(r)} failed` : ""}`;
    rows.push({
      case: label(connections),
      s3dir: cell(tagged),
      bare: `plain PUT: ${cell(plain)}`,
      ratio,
      target,
      met: ratio !== undefined && clean && ratio >= tagQuotaTarget,
    });
  }
  return { rows, raw };
}
