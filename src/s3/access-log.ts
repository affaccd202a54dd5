import type { AccessLogEntry } from "../audit/access-log-entry.ts";

const loggedRequestHeaders = [
  "content-length",
  "content-type",
  "content-md5",
  "range",
  "if-match",
  "if-none-match",
  "if-modified-since",
  "if-unmodified-since",
  "x-amz-copy-source",
  "x-amz-copy-source-range",
  "x-amz-content-sha256",
  "x-amz-decoded-content-length",
  "x-amz-sdk-checksum-algorithm",
  "x-amz-server-side-encryption",
  "x-forwarded-for",
];

const loggedResponseHeaders = [
  "content-length",
  "content-type",
  "content-range",
  "etag",
  "last-modified",
  "x-amz-delete-marker",
  "x-amz-copy-source-version-id",
  "x-amz-server-side-encryption",
];

function pick(headers: Headers, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

export function loggedRequestHeadersOf(headers: Headers): Record<string, string> {
  return pick(headers, loggedRequestHeaders);
}

export function loggedResponseHeadersOf(headers: Headers): Record<string, string> {
  return pick(headers, loggedResponseHeaders);
}

export type AccessLogSink = (entry: AccessLogEntry) => void;
