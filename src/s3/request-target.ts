import { hasDotSegment } from "../lib/dot-segments.ts";
import { ParsedQuery } from "../lib/parsed-query.ts";
import { S3Error } from "./errors.ts";

/** Where a request points: the bucket and key it names, and its raw path and query. */
export interface RequestTarget {
  /** Host header as received, with port. */
  host: string;
  /** Path as the server resolved it, still percent-encoded. */
  rawPath: string;
  /** Raw query string without "?". */
  rawQuery: string;
  query: ParsedQuery;
  bucket: string;
  /** Decoded key; "" when the request names only a bucket (or nothing). */
  key: string;
  virtualHosted: boolean;
}

/** Splits a request URL into its raw path and query without URL normalisation. */
export function splitUrl(url: string): { rawPath: string; rawQuery: string } {
  const schemeEnd = url.indexOf("://");
  const pathStart = schemeEnd < 0 ? 0 : url.indexOf("/", schemeEnd + 3);
  if (pathStart < 0) return { rawPath: "/", rawQuery: "" };
  const q = url.indexOf("?", pathStart);
  if (q < 0) return { rawPath: url.slice(pathStart), rawQuery: "" };
  return { rawPath: url.slice(pathStart, q), rawQuery: url.slice(q + 1) };
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new S3Error("InvalidURI", "Couldn't parse the specified URI.");
  }
}

/**
 * Resolves bucket and key from the Host header (virtual-hosted style under one of the
 * configured domains) or from the first path segment (path style).
 */
export function resolveTarget(url: string, host: string, domains: readonly string[]): RequestTarget {
  const { rawPath, rawQuery } = splitUrl(url);
  const query = ParsedQuery.of(rawQuery);
  const hostname = stripPort(host).toLowerCase();
  for (const domain of domains) {
    if (hostname.length > domain.length + 1 && hostname.endsWith(`.${domain}`)) {
      const bucket = hostname.slice(0, hostname.length - domain.length - 1);
      const key = decodePath(rawPath.slice(1));
      return { host, rawPath, rawQuery, query, bucket, key, virtualHosted: true };
    }
  }
  const slash = rawPath.indexOf("/", 1);
  const bucket = decodePath(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
  const key = slash < 0 ? "" : decodePath(rawPath.slice(slash + 1));
  return { host, rawPath, rawQuery, query, bucket, key, virtualHosted: false };
}

function stripPort(host: string): string {
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end < 0 ? host : host.slice(0, end + 1);
  }
  const colon = host.lastIndexOf(":");
  return colon < 0 ? host : host.slice(0, colon);
}

/**
 * Refuses a request path with a `.` or `..` segment (plain, `%2e`, or between `%2F`s) with 400
 * InvalidArgument, before any other check: no key s3dir can hold has one, and the runtime may
 * already have resolved such a path into another key. `path` is the raw target's path when the
 * runtime keeps it (Node); Bun.serve resolves plain and `%2e` dot segments before s3dir runs.
 */
export function refuseDotSegments(path: string): void {
  if (hasDotSegment(path)) {
    throw new S3Error(
      "InvalidArgument",
      "Object key is not valid: '.' or '..' segments are not allowed in the request path.",
    );
  }
}
