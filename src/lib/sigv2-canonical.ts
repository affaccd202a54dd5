/**
 * The string to sign of Signature Version 2 (S3's RESTAuthentication): method, Content-MD5,
 * Content-Type, the date (or a presigned URL's Expires), the x-amz-* headers and the resource.
 */

import { headerText } from "./header-text.ts";

/** Query parameters that are part of the signed resource; every other parameter is not signed. */
export const SIGV2_SUBRESOURCES: ReadonlySet<string> = new Set([
  "accelerate",
  "acl",
  "analytics",
  "cors",
  "delete",
  "inventory",
  "lifecycle",
  "location",
  "logging",
  "metrics",
  "notification",
  "object-lock",
  "partNumber",
  "policy",
  "replication",
  "requestPayment",
  "response-cache-control",
  "response-content-disposition",
  "response-content-encoding",
  "response-content-language",
  "response-content-type",
  "response-expires",
  "restore",
  "select",
  "select-type",
  "tagging",
  "torrent",
  "uploadId",
  "uploads",
  "versionId",
  "versioning",
  "versions",
  "website",
]);

export interface SigV2Request {
  method: string;
  headers: Headers;
  /** The path as sent, still percent-encoded (signed as it is, as S3 does). */
  path: string;
  /** The raw query string without "?". */
  query: string;
  /** The bucket a virtual-hosted request names in its Host; undefined for path style. */
  virtualBucket?: string;
}

/**
 * The date line: a presigned URL's Expires, else "" when x-amz-date is sent (it is signed among the
 * x-amz-* headers instead), else the Date header.
 */
export function sigV2StringToSign(req: SigV2Request, expires?: string): string {
  const { headers } = req;
  const date = expires ?? (headers.has("x-amz-date") ? "" : (headers.get("date") ?? ""));
  return (
    `${req.method}\n${headers.get("content-md5") ?? ""}\n${headers.get("content-type") ?? ""}\n${date}\n` +
    canonicalizedAmzHeaders(headers) +
    canonicalizedResource(req.path, req.query, req.virtualBucket)
  );
}

/**
 * Every string a client may have signed for this request, the one S3 documents first. Clients
 * differ where the documentation is loose: with x-amz-date, AWS's own worked example puts its value
 * on the date line and leaves it out of the headers; a path-style request for a bucket is signed as
 * `/bucket/` (botocore, s3cmd) or as sent. Each proves the same request.
 */
export function sigV2StringsToSign(req: SigV2Request, expires?: string): string[] {
  const variants: SigV2Request[] = [req];
  if (req.virtualBucket === undefined && /^\/[^/]+$/.test(req.path)) {
    variants.unshift({ ...req, path: `${req.path}/` });
  }
  const amzDate = req.headers.get("x-amz-date");
  if (expires === undefined && amzDate !== null) {
    const headers = new Headers(req.headers);
    headers.delete("x-amz-date");
    headers.set("date", amzDate);
    for (const v of [...variants]) variants.push({ ...v, headers });
  }
  return variants.map((v) => sigV2StringToSign(v, expires));
}

/** `name:value\n` for each x-amz-* header: lower case, sorted, values unfolded and trimmed. */
export function canonicalizedAmzHeaders(headers: Headers): string {
  const lines: string[] = [];
  for (const [name, value] of headers) {
    if (!name.startsWith("x-amz-")) continue;
    // A repeated header arrives joined with ", " (S3 would sign ","): clients send each x-amz-* once.
    lines.push(
      `${name}:${headerText(value)
        .replace(/\s*\r?\n\s*/g, " ")
        .trim()}\n`,
    );
  }
  return lines.sort().join("");
}

/** The bucket (virtual-hosted style), the path as sent, and the sub-resources sorted by name. */
export function canonicalizedResource(path: string, query: string, virtualBucket?: string): string {
  const resource = virtualBucket === undefined ? path : `/${virtualBucket}${path}`;
  const subresources: [string, string][] = [];
  for (const part of query.split("&")) {
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    if (!SIGV2_SUBRESOURCES.has(name)) continue;
    subresources.push([name, eq < 0 ? name : `${name}=${decodeValue(part.slice(eq + 1))}`]);
  }
  if (subresources.length === 0) return resource;
  subresources.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `${resource}?${subresources.map((s) => s[1]).join("&")}`;
}

function decodeValue(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
