import { parseHttpDate } from "../lib/http-date.ts";
import type { ObjectInfo } from "../storage/index.ts";
import { S3Error } from "./errors.ts";
import { unquoteEtag } from "./responses.ts";

function etagMatches(list: string, etag: string): boolean {
  return list.split(",").some((candidate) => {
    const c = candidate.trim();
    return c === "*" || unquoteEtag(c) === etag;
  });
}

/** HTTP dates have whole seconds; compare an object's time at that precision. */
function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

interface ConditionHeaders {
  ifMatch: string | null;
  ifNoneMatch: string | null;
  ifModifiedSince: string | null;
  ifUnmodifiedSince: string | null;
}

/**
 * Evaluates If-Match / If-None-Match / If-(Un)Modified-Since as S3 does: If-Match that holds
 * overrides a failing If-Unmodified-Since, and If-None-Match that fails (→304) wins over
 * If-Modified-Since.
 */
export function evaluateConditions(
  h: ConditionHeaders,
  info: ObjectInfo,
): "ok" | "precondition-failed" | "not-modified" {
  if (h.ifMatch !== null) {
    if (!etagMatches(h.ifMatch, info.etag)) return "precondition-failed";
  } else if (h.ifUnmodifiedSince !== null) {
    const since = parseHttpDate(h.ifUnmodifiedSince);
    if (since && seconds(info.lastModified) > seconds(since)) return "precondition-failed";
  }
  if (h.ifNoneMatch !== null) {
    if (etagMatches(h.ifNoneMatch, info.etag)) return "not-modified";
  } else if (h.ifModifiedSince !== null) {
    const since = parseHttpDate(h.ifModifiedSince);
    if (since && seconds(info.lastModified) <= seconds(since) && since.getTime() <= Date.now()) {
      return "not-modified";
    }
  }
  return "ok";
}

export function readConditionHeaders(headers: Headers, prefix = ""): ConditionHeaders {
  return {
    ifMatch: headers.get(`${prefix}if-match`),
    ifNoneMatch: headers.get(`${prefix}if-none-match`),
    ifModifiedSince: headers.get(`${prefix}if-modified-since`),
    ifUnmodifiedSince: headers.get(`${prefix}if-unmodified-since`),
  };
}

/** Copy-source conditions fail with 412 in both directions (there is no 304 for a copy). */
export function checkCopySourceConditions(headers: Headers, source: ObjectInfo): void {
  const outcome = evaluateConditions(readConditionHeaders(headers, "x-amz-copy-source-"), source);
  if (outcome !== "ok") throw new S3Error("PreconditionFailed");
}
