import type { QueryView } from "../lib/parsed-query.ts";
import { S3Error } from "./errors.ts";

/**
 * Query parameters of a presigned URL that are not hoisted headers: authentication itself, and the
 * payload hash that AWS SDK v3 presigners add (`UNSIGNED-PAYLOAD`), which only the signature check
 * reads, from the request as sent (../auth/authenticate.ts). Hoisting it would rebuild the request
 * of every such GET for nothing.
 */
const authParams = new Set([
  "x-amz-algorithm",
  "x-amz-content-sha256",
  "x-amz-credential",
  "x-amz-date",
  "x-amz-expires",
  "x-amz-signedheaders",
  "x-amz-signature",
  "x-amz-security-token",
]);

/**
 * SDK presigners move x-amz-* headers (checksums, metadata, conditions) into the signed query
 * string; S3 treats them as if they had been sent as headers. Returns the request unchanged
 * when there are none; throws InvalidArgument for one that no header can carry.
 */
export function withHoistedHeaders(req: Request, query: QueryView, rawQuery?: string): Request {
  if (rawQuery !== undefined && !mayHoist(rawQuery)) return req;
  let headers: Headers | undefined;
  for (const [name, value] of query) {
    const lower = name.toLowerCase();
    if (!lower.startsWith("x-amz-") || authParams.has(lower)) continue;
    try {
      if (req.headers.has(lower)) continue;
      headers ??= new Headers(req.headers);
      headers.set(lower, value);
    } catch {
      // A name that is not an HTTP token, or a value with control or non-Latin-1 characters.
      throw new S3Error("InvalidArgument", `${name} cannot be sent as a header.`, {
        ArgumentName: name,
        ArgumentValue: value,
      });
    }
  }
  return headers ? new Request(req, { headers }) : req;
}

/**
 * False when no parameter of the raw query can be a hoisted header: every name is sent without
 * escapes and is either not x-amz-* or one of the authentication parameters. Saves walking the
 * parsed query on every presigned request.
 */
function mayHoist(rawQuery: string): boolean {
  let start = 0;
  while (start < rawQuery.length) {
    let end = rawQuery.indexOf("&", start);
    if (end < 0) end = rawQuery.length;
    let eq = rawQuery.indexOf("=", start);
    if (eq < 0 || eq > end) eq = end;
    if (eq - start >= 6 && startsWithAmzPrefix(rawQuery, start) && !isSentAuthParam(rawQuery, start, eq)) {
      if (!authParams.has(rawQuery.slice(start, eq).toLowerCase())) return true;
    }
    for (let i = start; i < eq; i++) {
      const c = rawQuery.charCodeAt(i);
      if (c === 0x25 || c === 0x2b) return true; // an escape or "+": decoded, the name may differ
    }
    start = end + 1;
  }
  return false;
}

/**
 * Whether text[start, end) is an authentication parameter as SDKs spell it: compared in place,
 * as slicing each name out of the query cost more than the rest of the scan.
 */
function isSentAuthParam(text: string, start: number, end: number): boolean {
  switch (end - start) {
    case 10:
      return text.startsWith("X-Amz-Date", start);
    case 13:
      return text.startsWith("X-Amz-Expires", start);
    case 15:
      return text.startsWith("X-Amz-Algorithm", start) || text.startsWith("X-Amz-Signature", start);
    case 16:
      return text.startsWith("X-Amz-Credential", start);
    case 19:
      return text.startsWith("X-Amz-SignedHeaders", start);
    case 20:
      return text.startsWith("X-Amz-Security-Token", start) || text.startsWith("X-Amz-Content-Sha256", start);
    default:
      return false;
  }
}

/** Whether text at `at` starts with "x-amz-" in any case. */
function startsWithAmzPrefix(text: string, at: number): boolean {
  return (
    (text.charCodeAt(at) | 0x20) === 0x78 &&
    text.charCodeAt(at + 1) === 0x2d &&
    (text.charCodeAt(at + 2) | 0x20) === 0x61 &&
    (text.charCodeAt(at + 3) | 0x20) === 0x6d &&
    (text.charCodeAt(at + 4) | 0x20) === 0x7a &&
    text.charCodeAt(at + 5) === 0x2d
  );
}
