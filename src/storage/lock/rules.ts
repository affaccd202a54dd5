/**
 * The rules of object lock (AWS S3 "Locking objects with Object Lock"), pure functions of a
 * version's lock, the change asked and the time:
 * - a version is locked while its retain-until date is in the future or a legal hold is ON;
 * - COMPLIANCE retention can only be lengthened, by anyone (root included), never shortened,
 *   removed or turned into GOVERNANCE;
 * - GOVERNANCE retention can be lengthened by anyone; shortened, removed or turned into
 *   COMPLIANCE only with governance bypass (asked for and permitted: the caller's decision);
 * - deleting a version by id needs it unlocked, or GOVERNANCE retention with bypass and no
 *   legal hold. A delete without version id (a delete marker) is never refused.
 */
import type { StoreContext } from "../context.ts";
import { lockError } from "../errors.ts";
import { isDirectoryKey } from "../layout/keys.ts";
import type { DefaultRetention, LockRequest, ObjectLock, Retention } from "./types.ts";

const DAY_MS = 86_400_000;

/** True when the retention still holds at `now`. */
export function retentionActive(r: Retention | undefined, now: number): r is Retention {
  return r !== undefined && r.until.getTime() > now;
}

export function isLocked(lock: ObjectLock | undefined, now = Date.now()): boolean {
  return lock?.legalHold === true || retentionActive(lock?.retention, now);
}

/** Throws ObjectLocked when the version may not be deleted by id. */
export function checkDeletable(lock: ObjectLock | undefined, bypassGovernance: boolean, now = Date.now()) {
  if (lock?.legalHold) throw lockError("ObjectLocked");
  const r = lock?.retention;
  if (!retentionActive(r, now)) return;
  if (r.mode === "GOVERNANCE" && bypassGovernance) return;
  throw lockError("ObjectLocked");
}

/** Throws ObjectLocked when `next` (undefined: remove) may not replace the retention `current`. */
export function checkRetentionChange(
  current: Retention | undefined,
  next: Retention | undefined,
  bypassGovernance: boolean,
  now = Date.now(),
): void {
  if (next && next.until.getTime() <= now) throw lockError("PastRetainDate");
  if (!retentionActive(current, now)) return;
  const lengthens =
    next !== undefined && next.mode === current.mode && next.until.getTime() >= current.until.getTime();
  if (lengthens) return;
  if (current.mode === "GOVERNANCE" && bypassGovernance) return;
  throw lockError("ObjectLocked");
}

/** The retain-until date of a default retention for a version written at `now`. */
export function defaultUntil(d: DefaultRetention, now: number): Date {
  if (d.days !== undefined) return new Date(now + d.days * DAY_MS);
  const at = new Date(now);
  at.setUTCFullYear(at.getUTCFullYear() + (d.years ?? 0));
  return at;
}

/**
 * The lock a new version gets: the request's retention, else the bucket's default; a legal
 * hold only when asked. Undefined when nothing locks it.
 */
export function lockForWrite(
  request: LockRequest | undefined,
  defaults: DefaultRetention | undefined,
  now = Date.now(),
): ObjectLock | undefined {
  const lock: ObjectLock = {};
  if (request?.retention) {
    if (request.retention.until.getTime() <= now) throw lockError("PastRetainDate");
    lock.retention = request.retention;
  } else if (defaults) {
    lock.retention = { mode: defaults.mode, until: defaultUntil(defaults, now) };
  }
  if (request?.legalHold) lock.legalHold = true;
  return lock.retention || lock.legalHold ? lock : undefined;
}

/**
 * Checks a write's lock request before its body is read: the bucket must have object lock (it
 * is then versioned), the key be a file key, a retain-until date be in the future.
 */
export async function checkLockRequest(
  ctx: StoreContext,
  bucket: string,
  key: string,
  request: LockRequest,
): Promise<void> {
  if (isDirectoryKey(key) || !(await ctx.locks.get(bucket))) throw lockError("MissingLockConfiguration");
  if (request.retention && request.retention.until.getTime() <= Date.now()) throw lockError("PastRetainDate");
}
