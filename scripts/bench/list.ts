/**
 * Listing: a full ListObjectsV2 walk (pages of 1,000) over a bucket of 10,000 POSIX files,
 * against the floor of one readdir plus a stat of each file from a script.
 */
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { keyNames, makeBucket, presign } from "./fixtures.ts";
import { formatNumber, type Row } from "./report.ts";
import type { RunningServer } from "./servers.ts";

const bucket = "list-10k";
const fileCount = 10_000;
const pageSize = 1000;
const maxRatio = 10;

export interface ListResult {
  row: Row;
  raw: {
    coldMs?: number;
    warmMs?: number[];
    readdirStatMs: number[];
    keys?: number;
    pages?: number;
    error?: string;
  };
}

export async function runListing(
  root: string,
  s3dir: RunningServer | undefined,
  log: (line: string) => void,
): Promise<ListResult> {
  const dir = makeBucket(root, bucket);
  const body = "x".repeat(100);
  for (const key of keyNames("file", fileCount)) writeFileSync(join(dir, key), body);

  const readdirStatMs = Array.from({ length: 5 }, () => readdirStat(dir));
  const floor = Math.min(...readdirStatMs);
  log(`readdir + stat of ${fileCount} files: best ${formatNumber(floor, 1)} ms`);
  const bareCell = `readdir + ${formatNumber(fileCount)} stat: ${formatNumber(floor, 1)} ms (best of 5)`;
  const label = `ListObjectsV2, ${formatNumber(fileCount)} keys in pages of ${formatNumber(pageSize)}`;
  const target = `< ${maxRatio}× readdir+stat`;
  if (!s3dir)
    return { row: { case: label, s3dir: "not run", bare: bareCell, target }, raw: { readdirStatMs } };

  try {
    const cold = await walk(s3dir.origin);
    log(`cold listing: ${formatNumber(cold.ms, 1)} ms, ${cold.keys} keys, ${cold.pages} pages`);
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) {
      const w = await walk(s3dir.origin);
      if (w.keys !== fileCount) throw new Error(`listing returned ${w.keys} keys, want ${fileCount}`);
      warm.push(w.ms);
    }
    const best = Math.min(...warm);
    log(`warm listing: best ${formatNumber(best, 1)} ms`);
    const ratio = best / floor;
    const row: Row = {
      case: label,
      s3dir: `${formatNumber(best, 1)} ms warm (best of 5) · cold first listing ${formatNumber(cold.ms, 1)} ms`,
      bare: bareCell,
      ratio,
      target,
      met: ratio < maxRatio,
    };
    return { row, raw: { coldMs: cold.ms, warmMs: warm, readdirStatMs, keys: cold.keys, pages: cold.pages } };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    log(`listing failed: ${error}`);
    return {
      row: { case: label, s3dir: `error: ${error}`, bare: bareCell, target, met: false },
      raw: { readdirStatMs, error },
    };
  }
}

function readdirStat(dir: string): number {
  const start = performance.now();
  for (const name of readdirSync(dir)) statSync(join(dir, name));
  return performance.now() - start;
}

/** Lists the whole bucket page by page (each page a freshly presigned request) and times it. */
async function walk(origin: string): Promise<{ ms: number; keys: number; pages: number }> {
  const start = performance.now();
  let token: string | undefined;
  let keys = 0;
  let pages = 0;
  do {
    let query = `list-type=2&max-keys=${pageSize}`;
    if (token) query += `&continuation-token=${encodeURIComponent(token)}`;
    const res = await fetch(await presign("GET", origin, `/${bucket}?${query}`));
    const xml = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status} ${xml.slice(0, 300)}`);
    pages++;
    keys += xml.match(/<Key>/g)?.length ?? 0;
    const next = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1];
    const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
    token = truncated && next ? decodeXml(next) : undefined;
    if (truncated && !next) throw new Error("IsTruncated without NextContinuationToken");
    if (pages > (fileCount / pageSize) * 2 + 2) throw new Error("listing does not end");
  } while (token);
  return { ms: performance.now() - start, keys, pages };
}

function decodeXml(text: string): string {
  return text
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'")
    .replaceAll("&#xD;", "\r")
    .replaceAll("&amp;", "&");
}
