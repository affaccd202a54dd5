import type { ObjectStore } from "../../storage/index.ts";
import { type CorsRule, parseStoredCorsRules } from "./cors-rules.ts";

const revalidateMs = 1000;

export interface BucketCors {
  /** The bucket's CORS rules; undefined when it has none (or does not exist). */
  rulesOf(bucket: string): Promise<readonly CorsRule[] | undefined>;
  /** Drops the cached copy: this host changed the configuration (or removed the bucket). */
  forget(bucket: string): void;
}

/**
 * CORS rules for preflights and real responses, re-read at most once a second per bucket (as
 * bucket-policies.ts does): a configuration set through any host applies everywhere within about a
 * second, and at once on the host that took the change.
 */
export function createBucketCors(store: ObjectStore, now: () => number = Date.now): BucketCors {
  const cache = new Map<string, { rules: readonly CorsRule[] | undefined; checkedAt: number }>();
  return {
    async rulesOf(bucket) {
      if (!bucket) return undefined;
      const cached = cache.get(bucket);
      if (cached && now() - cached.checkedAt < revalidateMs) return cached.rules;
      let rules: readonly CorsRule[] | undefined;
      try {
        const text = await store.getBucketSetting(bucket, "cors");
        rules = text === undefined ? undefined : parseStoredCorsRules(text);
      } catch {
        rules = undefined;
      }
      if (cache.size > 10_000) cache.clear();
      cache.set(bucket, { rules, checkedAt: now() });
      return rules;
    },
    forget: (bucket) => void cache.delete(bucket),
  };
}
