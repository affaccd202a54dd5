/**
 * What lifecycle does to one key, decided from all its versions (newest first, as
 * ListObjectVersions gives them): pure, so that the worker only lists, decides and deletes.
 *
 * - the current version expires (Expiration Days/Date): a plain delete, which the store turns
 *   into a removal (unversioned) or a delete marker (Enabled; Suspended: a `null` marker that
 *   replaces the `null` version), as AWS does;
 * - a delete marker that is the only version left is removed by a rule with
 *   ExpiredObjectDeleteMarker, or by an Expiration Days/Date rule once due (AWS removes such
 *   "expired object delete markers" under either);
 * - a noncurrent version (or marker) expires NoncurrentDays after it became noncurrent, that is
 *   after the next newer version's time, unless it is among the NewerNoncurrentVersions newest
 *   noncurrent ones.
 */
import type { ObjectTag } from "../types.ts";
import { afterDays, earliestExpiry, filterMatches } from "./rules.ts";
import type { LifecycleClock, LifecycleRule } from "./types.ts";

export interface KeyVersion {
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  /** ms since the epoch. */
  lastModified: number;
  size: number;
  etag: string;
  /** Read only when a rule filters on tags. */
  tags?: readonly ObjectTag[];
}

export type KeyAction =
  /** Delete without a version id. */
  | { kind: "expire-current"; ruleId: string; version: KeyVersion }
  /** Remove exactly this version or marker. */
  | { kind: "remove-marker" | "remove-noncurrent"; ruleId: string; version: KeyVersion };

export function keyActions(
  key: string,
  versions: readonly KeyVersion[],
  rules: readonly LifecycleRule[],
  clock: LifecycleClock,
): KeyAction[] {
  const now = clock.now();
  const actions: KeyAction[] = [];
  const enabled = rules.filter((r) => r.enabled);
  const current = versions[0]?.isLatest ? versions[0] : undefined;
  if (current && !current.deleteMarker) {
    const due = earliestExpiry(
      enabled,
      { key, size: current.size, tags: current.tags, created: current.lastModified },
      clock,
    );
    if (due && due.at <= now) actions.push({ kind: "expire-current", ruleId: due.rule.id, version: current });
  } else if (current && versions.length === 1) {
    const rule = enabled.find((r) => {
      const e = r.expiration;
      if (!e || !filterMatches(r.filter, { key, size: 0 })) return false;
      if (e.expiredObjectDeleteMarker) return true;
      if (e.days !== undefined) return afterDays(current.lastModified, e.days, clock) <= now;
      return e.date !== undefined && e.date.getTime() <= now;
    });
    if (rule) actions.push({ kind: "remove-marker", ruleId: rule.id, version: current });
  }
  for (let i = 1; i < versions.length; i++) {
    const v = versions[i]!;
    const since = versions[i - 1]!.lastModified;
    // Rank among noncurrent versions: 0 is the newest one.
    const rank = current ? i - 1 : i;
    const rule = enabled.find((r) => {
      const n = r.noncurrentVersionExpiration;
      if (!n || rank < (n.newerNoncurrentVersions ?? 0)) return false;
      if (!filterMatches(r.filter, { key, size: v.deleteMarker ? 0 : v.size, tags: v.tags })) return false;
      return afterDays(since, n.noncurrentDays, clock) <= now;
    });
    if (rule) actions.push({ kind: "remove-noncurrent", ruleId: rule.id, version: v });
  }
  return actions;
}
