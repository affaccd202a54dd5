/**
 * Pure rule evaluation shared by the expiry worker and the x-amz-expiration header: which rule
 * applies to an object and when it expires.
 */
import type { ObjectTag } from "../types.ts";
import type { LifecycleClock, LifecycleFilter, LifecycleRule } from "./types.ts";

export const REAL_DAY_MS = 86_400_000;

export interface LifecycleSubject {
  key: string;
  size: number;
  tags?: readonly ObjectTag[];
}

export function filterMatches(filter: LifecycleFilter, o: LifecycleSubject): boolean {
  if (filter.prefix !== undefined && !o.key.startsWith(filter.prefix)) return false;
  if (filter.sizeGreaterThan !== undefined && !(o.size > filter.sizeGreaterThan)) return false;
  if (filter.sizeLessThan !== undefined && !(o.size < filter.sizeLessThan)) return false;
  if (filter.tags?.length) {
    const have = o.tags ?? [];
    for (const want of filter.tags) {
      if (!have.some((t) => t.key === want.key && t.value === want.value)) return false;
    }
  }
  return true;
}

/** Whether any enabled rule's filter names tags (then the worker must read each object's tags). */
export function needsTags(rules: readonly LifecycleRule[]): boolean {
  return rules.some((r) => r.enabled && (r.filter.tags?.length ?? 0) > 0);
}

/**
 * The moment `days` lifecycle days after `since`: with real days, rounded up to the next
 * midnight UTC as AWS does; with a shortened test day, exactly days × dayMs later.
 */
export function afterDays(since: number, days: number, clock: LifecycleClock): number {
  if (clock.dayMs !== REAL_DAY_MS) return since + days * clock.dayMs;
  const at = since + days * REAL_DAY_MS;
  return Math.ceil(at / REAL_DAY_MS) * REAL_DAY_MS;
}

/** When a current version created at `created` expires under `rule`, or undefined if never. */
export function currentExpiry(
  rule: LifecycleRule,
  created: number,
  clock: LifecycleClock,
): number | undefined {
  const e = rule.expiration;
  if (!rule.enabled || !e) return undefined;
  if (e.days !== undefined) return afterDays(created, e.days, clock);
  if (e.date !== undefined) return e.date.getTime();
  return undefined;
}

/**
 * The rule that expires the current version soonest, and when (for x-amz-expiration and for the
 * worker), or undefined when no enabled rule expires it.
 */
export function earliestExpiry(
  rules: readonly LifecycleRule[],
  o: LifecycleSubject & { created: number },
  clock: LifecycleClock,
): { rule: LifecycleRule; at: number } | undefined {
  let best: { rule: LifecycleRule; at: number } | undefined;
  for (const rule of rules) {
    if (!filterMatches(rule.filter, o)) continue;
    const at = currentExpiry(rule, o.created, clock);
    if (at !== undefined && (!best || at < best.at)) best = { rule, at };
  }
  return best;
}
