/**
 * The form fields of a POST upload that stand for a PUT's request headers (content headers,
 * Content-MD5, user metadata, SSE, checksums, object lock), as headers: the PUT's own readers
 * then take them. Names are matched without regard to case, the first of a name wins.
 */
const headerFields = new Set([
  "cache-control",
  "content-type",
  "content-disposition",
  "content-encoding",
  "content-language",
  "content-md5",
  "expires",
  "x-amz-object-lock-mode",
  "x-amz-object-lock-retain-until-date",
  "x-amz-object-lock-legal-hold",
]);

const headerPrefixes = ["x-amz-meta-", "x-amz-server-side-encryption", "x-amz-checksum-"];

export function formHeaders(fields: readonly { name: string; value: string }[]): Headers {
  const headers = new Headers();
  for (const { name, value } of fields) {
    const lower = name.toLowerCase();
    if (headers.has(lower)) continue;
    if (headerFields.has(lower) || headerPrefixes.some((p) => lower.startsWith(p))) {
      headers.set(lower, value);
    }
  }
  return headers;
}
