/**
 * A bucket's hard quota, the bucket setting `settings/quota` (`{"hard":BYTES}`), shared by every
 * host. Every write asks for it, so it is cached per bucket like the versioning state
 * (../versions/state.ts): reused for up to REVALIDATE_MS, then revalidated by one lstat of the
 * setting file. A bucket without a quota costs one map lookup, and one lstat a second.
 */
import { readFile } from "node:fs/promises";
import { errCode, type FsOps } from "../../runtime/fs-ops.ts";
import type { BucketSettings } from "../buckets/settings.ts";

const REVALIDATE_MS = 1000;

interface Cached {
  hard: number | undefined;
  stamp: string;
  checkedAt: number;
}

export class QuotaLimits {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly ops: FsOps,
    private readonly settings: BucketSettings,
  ) {}

  /** The hard quota in bytes, undefined when the bucket has none (no bucket check). */
  async get(bucket: string): Promise<number | undefined> {
    const now = Date.now();
    const hit = this.cache.get(bucket);
    if (hit && now - hit.checkedAt < REVALIDATE_MS) return hit.hard;
    const path = this.settings.path(bucket, "quota");
    const st = await this.ops.lstat(path).catch(() => undefined);
    const stamp = st ? `${st.ino}:${st.mtimeNs}:${st.size}` : "";
    if (hit && hit.stamp === stamp) {
      hit.checkedAt = now;
      return hit.hard;
    }
    let hard: number | undefined;
    if (st) {
      const text = await readFile(path, "utf8").catch((e) => {
        if (errCode(e) === "ENOENT") return "";
        throw e;
      });
      hard = parseQuota(text);
    }
    this.cache.set(bucket, { hard, stamp, checkedAt: now });
    return hard;
  }

  /** The quota as the CLI reads it back (throws NoSuchBucket). */
  async read(bucket: string): Promise<number | undefined> {
    return parseQuota((await this.settings.get(bucket, "quota")) ?? "");
  }

  /** Sets (bytes) or removes (undefined) the quota; throws NoSuchBucket. */
  async put(bucket: string, hard: number | undefined): Promise<void> {
    if (hard === undefined) await this.settings.delete(bucket, "quota");
    else await this.settings.put(bucket, "quota", `${JSON.stringify({ hard })}\n`);
    this.cache.delete(bucket);
  }
}

function parseQuota(text: string): number | undefined {
  if (!text.trim()) return undefined;
  try {
    const hard = (JSON.parse(text) as { hard?: unknown }).hard;
    return typeof hard === "number" && Number.isSafeInteger(hard) && hard >= 0 ? hard : undefined;
  } catch {
    return undefined;
  }
}
