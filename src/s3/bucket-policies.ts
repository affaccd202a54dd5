import { type Policy, parseBucketPolicy } from "../auth/policy/index.ts";
import type { ObjectStore } from "../storage/index.ts";

const revalidateMs = 1000;

export interface BucketPolicies {
  /** The bucket's policy as authorization reads it; undefined when it has none. */
  policyOf(bucket: string): Promise<Policy | undefined>;
  /** Drops the cached copy: this host changed the policy (or removed the bucket). */
  forget(bucket: string): void;
}

/**
 * Bucket policies for authorization, re-read at most once a second per bucket: a policy set
 * through any host (or removed with the bucket) is enforced everywhere within about a second,
 * and at once on the host that took the change. A stored document that no longer parses grants
 * nothing.
 */
export function createBucketPolicies(store: ObjectStore, now: () => number = Date.now): BucketPolicies {
  const cache = new Map<string, { policy: Policy | undefined; checkedAt: number }>();
  return {
    async policyOf(bucket) {
      if (!bucket) return undefined;
      const cached = cache.get(bucket);
      if (cached && now() - cached.checkedAt < revalidateMs) return cached.policy;
      let policy: Policy | undefined;
      try {
        const text = await store.getBucketSetting(bucket, "policy");
        policy = text === undefined ? undefined : parseBucketPolicy(text, bucket);
      } catch {
        policy = undefined;
      }
      if (cache.size > 10_000) cache.clear();
      cache.set(bucket, { policy, checkedAt: now() });
      return policy;
    },
    forget: (bucket) => void cache.delete(bucket),
  };
}
