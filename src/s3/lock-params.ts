/**
 * Object lock in request and response headers: x-amz-object-lock-mode,
 * x-amz-object-lock-retain-until-date and x-amz-object-lock-legal-hold on PutObject, CopyObject
 * and CreateMultipartUpload (and returned by GetObject and HeadObject), and
 * x-amz-bypass-governance-retention. Faults are the InvalidArgument S3 answers, found before the
 * bucket's object lock is looked at.
 */
import { isStorageError, type LockRequest, type ObjectLock, type RetentionMode } from "../storage/index.ts";
import type { S3Context } from "./context.ts";
import { S3Error } from "./errors.ts";
import { hasIntegrityHeader } from "./integrity-header.ts";

export const MODE = "x-amz-object-lock-mode";
export const RETAIN_UNTIL = "x-amz-object-lock-retain-until-date";
export const LEGAL_HOLD = "x-amz-object-lock-legal-hold";
export const BYPASS = "x-amz-bypass-governance-retention";

const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;

export function isRetentionMode(value: string): value is RetentionMode {
  return value === "GOVERNANCE" || value === "COMPLIANCE";
}

/** An ISO 8601 timestamp (as S3 takes RetainUntilDate); undefined when it is not one. */
export function parseIsoTimestamp(value: string): Date | undefined {
  if (!isoTimestamp.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function argumentError(message: string, name: string, value: string): S3Error {
  return new S3Error("InvalidArgument", message, { ArgumentName: name, ArgumentValue: value });
}

/** The lock a write asks for in its headers; undefined when it names none. */
export function lockRequestFrom(headers: Headers): LockRequest | undefined {
  const mode = headers.get(MODE);
  const until = headers.get(RETAIN_UNTIL);
  const hold = headers.get(LEGAL_HOLD);
  if (mode === null && until === null && hold === null) return undefined;
  const request: LockRequest = {};
  if (mode !== null || until !== null) {
    const both = "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied";
    if (until === null) throw argumentError(both, RETAIN_UNTIL, "");
    if (mode === null) throw argumentError(both, MODE, "");
    if (!isRetentionMode(mode)) throw argumentError("Unknown wormMode directive.", MODE, mode);
    const date = parseIsoTimestamp(until);
    if (!date) {
      throw argumentError("The retain until date must be provided in ISO 8601 format", RETAIN_UNTIL, until);
    }
    if (date.getTime() <= Date.now()) {
      throw argumentError("The retain until date must be in the future!", RETAIN_UNTIL, until);
    }
    request.retention = { mode, until: date };
  }
  if (hold !== null) {
    if (hold !== "ON" && hold !== "OFF") {
      throw argumentError("Legal Hold must be either of 'ON' or 'OFF'", LEGAL_HOLD, hold);
    }
    if (hold === "ON") request.legalHold = true;
  }
  return request;
}

/**
 * The lock headers of a PutObject, checked: S3 wants the body's digest (Content-MD5 or a
 * checksum) with them, and with any PUT that the bucket's default retention will lock. The
 * (cached) default is only looked up for a PUT without a digest.
 */
export async function putLockRequestFrom(
  headers: Headers,
  hasDefaultRetention: () => Promise<boolean>,
): Promise<LockRequest | undefined> {
  const request = lockRequestFrom(headers);
  if (!hasIntegrityHeader(headers) && (request || (await hasDefaultRetention()))) {
    throw new S3Error(
      "InvalidRequest",
      "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters",
    );
  }
  return request;
}

/**
 * A version's lock as GetObject and HeadObject send it: the retention only to a caller allowed
 * s3:GetObjectRetention, the legal hold only to one allowed s3:GetObjectLegalHold.
 */
export async function lockResponseHeaders(
  ctx: S3Context,
  lock: ObjectLock | undefined,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  if (!lock) return headers;
  const { bucket, key } = ctx.target;
  if (lock.retention && (await allowed(ctx, "s3:GetObjectRetention", bucket, key))) {
    headers[MODE] = lock.retention.mode;
    headers[RETAIN_UNTIL] = lock.retention.until.toISOString();
  }
  if (lock.legalHold !== undefined && (await allowed(ctx, "s3:GetObjectLegalHold", bucket, key))) {
    headers[LEGAL_HOLD] = lock.legalHold ? "ON" : "OFF";
  }
  return headers;
}

/**
 * Whether a delete or retention change may bypass GOVERNANCE retention: the header asks for it
 * AND the caller is allowed s3:BypassGovernanceRetention (otherwise the retention simply holds).
 */
export async function bypassGovernance(
  ctx: S3Context,
  bucket: string,
  key: string,
  versionId?: string,
): Promise<boolean> {
  if (!bypassRequested(ctx.req.headers)) return false;
  return await allowed(ctx, "s3:BypassGovernanceRetention", bucket, key, versionId);
}

export function bypassRequested(headers: Headers): boolean {
  return (headers.get(BYPASS) ?? "").trim().toLowerCase() === "true";
}

async function allowed(ctx: S3Context, action: string, bucket: string, key: string, versionId?: string) {
  try {
    await ctx.authorize(action, bucket, key, versionId);
    return true;
  } catch (e) {
    if (e instanceof S3Error && e.code === "AccessDenied") return false;
    throw e;
  }
}

/**
 * x-amz-bypass-governance-retention (true or false) on a delete in a bucket without object lock
 * is the InvalidArgument S3 answers. The bucket's configuration is read only when it is sent.
 */
export async function checkBypassApplicable(ctx: S3Context): Promise<void> {
  const value = ctx.req.headers.get(BYPASS);
  if (value === null) return;
  try {
    await ctx.store.getObjectLockConfiguration(ctx.target.bucket);
  } catch (e) {
    if (!isStorageError(e) || e.lock?.reason !== "ObjectLockConfigurationNotFoundError") throw e;
    throw argumentError(
      "x-amz-bypass-governance-retention is only applicable to Object Lock enabled buckets.",
      BYPASS,
      value,
    );
  }
}
