/**
 * Multipart: a 1 GiB upload in 100 parts with 8 parts in flight, then its CompleteMultipartUpload
 * (the parts are concatenated by the kernel: copy_file_range), against one PUT of the same bytes
 * to the same server in the same run. Requests are presigned; bodies are slices of one file.
 * Dirty pages are flushed (sync) before each timed phase, so one phase's writeback does not
 * land on the next. On a filesystem without reflinks (ext4) Complete writes every byte again,
 * so its floor is the disk's speed (here: ~4 GB/s with the parts in the page cache, ~0.5 GB/s
 * once the cache has let them go); on btrfs/xfs copy_file_range shares extents instead.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { GiB, MiB, makeBucket, presign, writeRandomFile } from "./fixtures.ts";
import { formatNumber, type Row } from "./report.ts";
import type { RunningServer } from "./servers.ts";

const bucket = "multipart-bench";

export interface MultipartBenchOptions {
  root: string;
  workDir: string;
  s3dir: RunningServer | undefined;
  log: (line: string) => void;
  /** Default 1 GiB. */
  sizeBytes?: number;
  /** Default 100. */
  parts?: number;
  /** Parts uploading at once; default 8. */
  inFlight?: number;
  /** Measure each side this many times and keep the best; default 1. */
  rounds?: number;
}

export interface MultipartBenchResult {
  rows: Row[];
  raw: {
    sizeBytes: number;
    parts: number;
    inFlight: number;
    uploadMs: number[];
    completeMs: number[];
    singlePutMs: number[];
    error?: string;
  };
}

async function request(method: string, origin: string, path: string, body?: BodyInit): Promise<string> {
  const res = await fetch(await presign(method, origin, path), { method, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text;
}

async function etagOf(method: string, origin: string, path: string, body: BodyInit): Promise<string> {
  const res = await fetch(await presign(method, origin, path), { method, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return res.headers.get("etag") ?? "";
}

/** Uploads file in `parts` parts with `inFlight` at once, then completes; returns both times. */
/** Flushes dirty pages so one phase's writeback does not slow the next one down. */
function settle(): void {
  Bun.spawnSync(["sync"]);
}

async function multipartOnce(
  origin: string,
  file: string,
  size: number,
  parts: number,
  inFlight: number,
  key: string,
) {
  const partSize = Math.ceil(size / parts);
  const path = `/${bucket}/${key}`;
  const started = performance.now();
  const created = await request("POST", origin, `${path}?uploads`);
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created)?.[1];
  if (!uploadId) throw new Error(`no UploadId in ${created.slice(0, 200)}`);
  const etags: string[] = new Array(parts);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= parts) return;
      const start = i * partSize;
      const end = Math.min(size, start + partSize);
      const query = `partNumber=${i + 1}&uploadId=${encodeURIComponent(uploadId)}`;
      etags[i] = await etagOf("PUT", origin, `${path}?${query}`, Bun.file(file).slice(start, end));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const uploadMs = performance.now() - started;
  settle();
  const uploaded = performance.now();
  const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
  const done = await request("POST", origin, `${path}?uploadId=${encodeURIComponent(uploadId)}`, xml);
  if (!done.includes("<CompleteMultipartUploadResult"))
    throw new Error(`complete failed: ${done.slice(0, 300)}`);
  const completed = performance.now();
  return { uploadMs, completeMs: completed - uploaded };
}

async function singlePut(origin: string, file: string, key: string): Promise<number> {
  const started = performance.now();
  await request("PUT", origin, `/${bucket}/${key}`, Bun.file(file));
  return performance.now() - started;
}

const mibPerSecond = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);

export async function runMultipart(options: MultipartBenchOptions): Promise<MultipartBenchResult> {
  const size = options.sizeBytes ?? GiB;
  const parts = options.parts ?? 100;
  const inFlight = options.inFlight ?? 8;
  const rounds = options.rounds ?? 1;
  const raw: MultipartBenchResult["raw"] = {
    sizeBytes: size,
    parts,
    inFlight,
    uploadMs: [],
    completeMs: [],
    singlePutMs: [],
  };
  const label = `${formatNumber(size / MiB)} MiB: ${parts} parts, ${inFlight} in flight, vs one PUT`;
  const target = "Complete ≤ single PUT";
  if (!options.s3dir) return { rows: [{ case: label, s3dir: "not run", bare: "—", target }], raw };
  const { origin } = options.s3dir;
  makeBucket(options.root, bucket);
  const file = join(options.workDir, "multipart-source.bin");
  writeRandomFile(file, size);
  try {
    for (let round = 0; round < rounds; round++) {
      settle();
      const put = await singlePut(origin, file, `single-${round}`);
      settle();
      raw.singlePutMs.push(put);
      options.log(
        `multipart: single PUT ${formatNumber(put)} ms (${formatNumber(mibPerSecond(size, put))} MiB/s)`,
      );
      const mp = await multipartOnce(origin, file, size, parts, inFlight, `multi-${round}`);
      raw.uploadMs.push(mp.uploadMs);
      raw.completeMs.push(mp.completeMs);
      options.log(
        `multipart: parts ${formatNumber(mp.uploadMs)} ms (${formatNumber(mibPerSecond(size, mp.uploadMs))} MiB/s), complete ${formatNumber(mp.completeMs)} ms (${formatNumber(mibPerSecond(size, mp.completeMs))} MiB/s)`,
      );
      rmSync(join(options.root, bucket), { recursive: true, force: true });
      makeBucket(options.root, bucket);
    }
  } catch (e) {
    raw.error = e instanceof Error ? e.message : String(e);
    options.log(`multipart failed: ${raw.error}`);
    return { rows: [{ case: label, s3dir: `error: ${raw.error}`, bare: "—", target, met: false }], raw };
  } finally {
    rmSync(file, { force: true });
    rmSync(join(options.root, bucket), { recursive: true, force: true });
  }
  const upload = Math.min(...raw.uploadMs);
  const complete = Math.min(...raw.completeMs);
  const put = Math.min(...raw.singlePutMs);
  const row: Row = {
    case: label,
    s3dir:
      `parts ${formatNumber(upload)} ms (${formatNumber(mibPerSecond(size, upload))} MiB/s) · ` +
      `Complete ${formatNumber(complete)} ms (${formatNumber(mibPerSecond(size, complete))} MiB/s copied)`,
    bare: `single PUT ${formatNumber(put)} ms (${formatNumber(mibPerSecond(size, put))} MiB/s)`,
    ratio: (upload + complete) / put,
    target,
    met: complete <= put,
  };
  return { rows: [row], raw };
}
