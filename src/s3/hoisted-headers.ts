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
export function withHoistedHeaders(req: Request, query: URLSearchParams): Request {
  let headers: Headers | undefined;
  for (const [name, value] of query) {
    const lower = name.toLowerCase();
    if (!lower.startsWith("x-amz-") || authParams.has(lower) || req.headers.has(lower)) continue;
    headers ??= new Headers(req.headers);
    headers.set(lower, value);
  }
  return headers ? new Request(req, { headers }) : req;
}
