/**
 * A bucket's lifecycle configuration, the bucket setting `settings/lifecycle` (JSON of
 * LifecycleConfiguration, dates as ISO strings), shared by every host and edited alike by the S3
 * API and the CLI. Reads and writes of objects ask for its rules (x-amz-expiration) and so does
 * the expiry worker, so it is cached per bucket like the versioning state (../versions/state.ts):
 * reused for up to REVALIDATE_MS, then revalidated by one lstat of the setting file. A bucket
 * without one costs that lstat a second, nothing more. A recreated bucket starts without one:
 * Buckets.create removes the state of an earlier bucket of the name.
 */
import { readFile } from "node:fs/promises";
import { errCode, type FsOps } from "../../runtime/fs-ops.ts";
import type { BucketSettings } from "../buckets/settings.ts";
import type { StoreContext } from "../context.ts";
import { earliestExpiry, type LifecycleSubject } from "./rules.ts";
import type { LifecycleConfiguration, LifecycleRule } from "./types.ts";

const REVALIDATE_MS = 1000;

interface Cached {
  rules: LifecycleRule[];
  stamp: string;
  checkedAt: number;
}

/** When a current version expires and by which rule (x-amz-expiration). */
export interface ObjectExpiration {
  ruleId: string;
  at: Date;
}

export class LifecycleConfigs {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly ops: FsOps,
    private readonly settings: BucketSettings,
  ) {}

  /** The rules as the hot path and the worker use them (no bucket check); empty when none. */
  async rules(bucket: string): Promise<LifecycleRule[]> {
    const now = Date.now();
    const hit = this.cache.get(bucket);
    if (hit && now - hit.checkedAt < REVALIDATE_MS) return hit.rules;
    const path = this.settings.path(bucket, "lifecycle");
    const st = await this.ops.lstat(path).catch(() => undefined);
    const stamp = st ? `${st.ino}:${st.mtimeNs}:${st.size}` : "";
    if (hit && hit.stamp === stamp) {
      hit.checkedAt = now;
      return hit.rules;
    }
    let rules: LifecycleRule[] = [];
    if (st) {
      const text = await readFile(path, "utf8").catch((e) => {
        if (errCode(e) === "ENOENT" || errCode(e) === "ENOTDIR") return undefined;
        throw e;
      });
      rules = text === undefined ? [] : (parseConfig(text)?.rules ?? []);
    }
    this.cache.set(bucket, { rules, stamp, checkedAt: now });
    return rules;
  }

  /** The configuration a client reads back (throws NoSuchBucket); undefined when none is set. */
  async read(bucket: string): Promise<LifecycleConfiguration | undefined> {
    const text = await this.settings.get(bucket, "lifecycle");
    return text === undefined ? undefined : parseConfig(text);
  }

  /** Replaces the configuration (throws NoSuchBucket); the caller has validated it. */
  async put(bucket: string, config: LifecycleConfiguration): Promise<void> {
    await this.settings.put(bucket, "lifecycle", `${JSON.stringify(config)}\n`);
    this.cache.delete(bucket);
  }

  /** Removes the configuration (throws NoSuchBucket); removing none succeeds. */
  async delete(bucket: string): Promise<void> {
    await this.settings.delete(bucket, "lifecycle");
    this.cache.delete(bucket);
  }

  /** Forgets a bucket's configuration (the bucket was deleted or created). */
  forget(bucket: string): void {
    this.cache.delete(bucket);
  }
}

/** The enabled and disabled rules of a bucket, for the expiry worker: empty when none. */
export function lifecycleRules(ctx: StoreContext, bucket: string): Promise<LifecycleRule[]> {
  return ctx.lifecycleConfigs.rules(bucket);
}

/** When the current version described by `o` expires, or undefined (no rule expires it). */
export async function objectExpiration(
  ctx: StoreContext,
  bucket: string,
  o: LifecycleSubject & { created: number },
): Promise<ObjectExpiration | undefined> {
  const rules = await ctx.lifecycleConfigs.rules(bucket);
  if (rules.length === 0) return undefined;
  const found = earliestExpiry(rules, o, ctx.lifecycle);
  return found && { ruleId: found.rule.id, at: new Date(found.at) };
}

/** The stored JSON as a configuration; undefined when it is damaged (no rule then applies). */
export function parseConfig(text: string): LifecycleConfiguration | undefined {
  try {
    const stored = JSON.parse(text) as LifecycleConfiguration;
    if (!Array.isArray(stored?.rules)) return undefined;
    for (const rule of stored.rules) {
      const date = rule.expiration?.date as unknown;
      if (typeof date === "string") rule.expiration!.date = new Date(date);
      rule.filter ??= {};
    }
    return stored;
  } catch {
    return undefined;
  }
}
