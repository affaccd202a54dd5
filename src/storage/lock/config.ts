/**
 * A bucket's object lock configuration, the bucket setting `settings/object-lock` (JSON),
 * shared by every host. Its presence means object lock is enabled: that never goes back, and
 * the bucket's versioning stays Enabled. Versioned writes and deletes ask for it on every
 * request, so it is cached per bucket like the versioning state (../versions/state.ts): reused
 * for up to REVALIDATE_MS, then revalidated by one lstat of the setting file. Unversioned
 * buckets never ask (object lock needs versioning).
 */
import { readFile } from "node:fs/promises";
import { errCode, type FsOps } from "../../runtime/fs-ops.ts";
import type { BucketSettings } from "../buckets/settings.ts";
import { lockError } from "../errors.ts";
import type { DefaultRetention, ObjectLockConfiguration } from "./types.ts";

const REVALIDATE_MS = 1000;
/** AWS's bounds of a default retention period. */
const MAX_DAYS = 36_500;
const MAX_YEARS = 100;

interface Cached {
  config: ObjectLockConfiguration | undefined;
  stamp: string;
  checkedAt: number;
}

interface StoredConfig {
  enabled: true;
  mode?: DefaultRetention["mode"];
  days?: number;
  years?: number;
}

export class ObjectLockConfigs {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly ops: FsOps,
    private readonly settings: BucketSettings,
  ) {}

  /** The configuration as writes and deletes use it (no bucket check); undefined: no object lock. */
  async get(bucket: string): Promise<ObjectLockConfiguration | undefined> {
    const now = Date.now();
    const hit = this.cache.get(bucket);
    if (hit && now - hit.checkedAt < REVALIDATE_MS) return hit.config;
    const path = this.settings.path(bucket, "object-lock");
    const st = await this.ops.lstat(path).catch(() => undefined);
    const stamp = st ? `${st.ino}:${st.mtimeNs}:${st.size}` : "";
    if (hit && hit.stamp === stamp) {
      hit.checkedAt = now;
      return hit.config;
    }
    let config: ObjectLockConfiguration | undefined;
    if (st) {
      const text = await readFile(path, "utf8").catch((e) => {
        if (errCode(e) === "ENOENT") return undefined;
        throw e;
      });
      config = text === undefined ? undefined : parseConfig(text);
    }
    this.cache.set(bucket, { config, stamp, checkedAt: now });
    return config;
  }

  /** The configuration a client reads back (throws NoSuchBucket); undefined: no object lock. */
  async read(bucket: string): Promise<ObjectLockConfiguration | undefined> {
    const text = await this.settings.get(bucket, "object-lock");
    return text === undefined ? undefined : parseConfig(text);
  }

  /** Enables object lock (when not yet) and sets the default retention (none: removes it). */
  async put(bucket: string, config: ObjectLockConfiguration): Promise<void> {
    if (config.defaultRetention) checkDefaultRetention(config.defaultRetention);
    const stored: StoredConfig = { enabled: true };
    const d = config.defaultRetention;
    if (d) {
      stored.mode = d.mode;
      if (d.days !== undefined) stored.days = d.days;
      else stored.years = d.years;
    }
    await this.settings.put(bucket, "object-lock", `${JSON.stringify(stored)}\n`);
    this.cache.delete(bucket);
  }

  /** Forgets a bucket's configuration (the bucket was deleted or created). */
  forget(bucket: string): void {
    this.cache.delete(bucket);
  }
}

/** Throws InvalidRetentionPeriod unless exactly one of days and years is a positive integer in bounds. */
export function checkDefaultRetention(d: DefaultRetention): void {
  const ok = (n: number | undefined, max: number) =>
    n !== undefined && Number.isInteger(n) && n > 0 && n <= max;
  const valid =
    (d.days !== undefined) !== (d.years !== undefined) &&
    (d.days !== undefined ? ok(d.days, MAX_DAYS) : ok(d.years, MAX_YEARS));
  if (!valid) throw lockError("InvalidRetentionPeriod");
}

function parseConfig(text: string): ObjectLockConfiguration {
  let stored: Partial<StoredConfig>;
  try {
    stored = JSON.parse(text) as Partial<StoredConfig>;
  } catch {
    // A damaged setting still means object lock is on: never unlock a bucket by accident.
    return {};
  }
  const mode = stored.mode;
  if (mode !== "GOVERNANCE" && mode !== "COMPLIANCE") return {};
  if (typeof stored.days === "number") return { defaultRetention: { mode, days: stored.days } };
  if (typeof stored.years === "number") return { defaultRetention: { mode, years: stored.years } };
  return {};
}
