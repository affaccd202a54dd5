/** Query parameters of a presigned URL that are authentication itself, not hoisted headers. */
const authParams = new Set([
  "x-amz-algorithm",
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
 * when there are none.
 */
export function withHoistedHeaders(req: Request, query: URLSearchParams, rawQuery?: string): Request {
  if (rawQuery !== undefined && !mayHoist(rawQuery)) return req;
  let headers: Headers | undefined;
  for (const [name, value] of query) {
    const lower = name.toLowerCase();
    if (!lower.startsWith("x-amz-") || authParams.has(lower) || req.headers.has(lower)) continue;
    headers ??= new Headers(req.headers);
    headers.set(lower, value);
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
    const name = rawQuery.slice(start, eq);
    if (name.includes("%") || name.includes("+")) return true;
    if (name.length >= 6) {
      const lower = name.toLowerCase();
      if (lower.startsWith("x-amz-") && !authParams.has(lower)) return true;
    }
    start = end + 1;
  }
  return false;
}
