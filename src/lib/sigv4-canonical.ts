/**
 * The canonical forms SigV4 signs (S3 flavour: paths are decoded once and encoded once, never
 * normalized). Shared by verification and by presigning.
 */
import { decodePercent, decodeQueryComponent, encodeRfc3986 } from "./uri-encode.ts";

const plainPath = /^[A-Za-z0-9\-._~/]*$/;

/**
 * Canonical URI of a percent-encoded path: each `/` segment is decoded once (kept raw when that
 * fails) and re-encoded per RFC 3986. `//`, `.` and `..` are kept as they are.
 */
export function canonicalUri(path: string): string {
  if (path === "") return "/";
  if (plainPath.test(path)) return path;
  const segments = path.split("/");
  for (let i = 0; i < segments.length; i++) segments[i] = encodeRfc3986(decodePercent(segments[i]!));
  return segments.join("/");
}

/** One decoded query parameter. */
export interface QueryParam {
  name: string;
  value: string;
}

/**
 * Splits a raw query string (no leading `?`) into decoded parameters, in order. `+` means space;
 * a name without `=` has an empty value; empty names are dropped.
 */
export function parseQuery(query: string): QueryParam[] {
  const params: QueryParam[] = [];
  if (query === "") return params;
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = decodeQueryComponent(eq < 0 ? part : part.slice(0, eq));
    if (name === "") continue;
    params.push({ name, value: eq < 0 ? "" : decodeQueryComponent(part.slice(eq + 1)) });
  }
  return params;
}

/** Canonical query string: names and values RFC 3986-encoded, sorted by name then value. */
export function canonicalQuery(params: readonly QueryParam[], exclude?: string): string {
  const pairs: [string, string][] = [];
  for (const p of params) {
    if (p.name !== exclude) pairs.push([encodeRfc3986(p.name), encodeRfc3986(p.value)]);
  }
  if (pairs.length === 0) return "";
  pairs.sort(comparePairs);
  let out = "";
  for (const [name, value] of pairs) out += out === "" ? `${name}=${value}` : `&${name}=${value}`;
  return out;
}

function comparePairs(a: [string, string], b: [string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

const foldable = /[\t\r\n]| {2}|^ | $/;

/** A header value as signed: trimmed, with runs of spaces and tabs collapsed to one space. */
export function canonicalHeaderValue(value: string): string {
  return foldable.test(value) ? value.replace(/[ \t\r\n]+/g, " ").trim() : value;
}

/** `AWS4-HMAC-SHA256` string to sign over a canonical request's SHA-256. */
export function stringToSign(amzDate: string, scope: string, canonicalRequestSha256: string): string {
  return `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${canonicalRequestSha256}`;
}
