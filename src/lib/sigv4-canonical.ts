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
  /** The name and value as sent (still percent-encoded), when parsed from a raw query string. */
  rawName?: string;
  rawValue?: string;
}

/**
 * Splits a raw query string (no leading `?`) into decoded parameters, in order. `+` means space;
 * a name without `=` has an empty value; empty names are dropped.
 */
export function parseQuery(query: string): QueryParam[] {
  const params: QueryParam[] = [];
  if (query === "") return params;
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf("&", start);
    if (end < 0) end = query.length;
    if (end > start) {
      const eq = query.indexOf("=", start);
      const rawName = eq < 0 || eq > end ? query.slice(start, end) : query.slice(start, eq);
      const rawValue = eq < 0 || eq > end ? "" : query.slice(eq + 1, end);
      const name = decodeQueryComponent(rawName);
      if (name !== "") params.push({ name, value: decodeQueryComponent(rawValue), rawName, rawValue });
    }
    start = end + 1;
  }
  return params;
}

/** Canonical query string: names and values RFC 3986-encoded, sorted by name then value. */
export function canonicalQuery(params: readonly QueryParam[], exclude?: string): string {
  const pairs: [string, string][] = [];
  for (const p of params) {
    if (p.name !== exclude)
      pairs.push([canonicalComponent(p.name, p.rawName), canonicalComponent(p.value, p.rawValue)]);
  }
  if (pairs.length === 0) return "";
  pairs.sort(comparePairs);
  let out = "";
  for (const [name, value] of pairs) out += out === "" ? `${name}=${value}` : `&${name}=${value}`;
  return out;
}

/**
 * A decoded component RFC 3986-encoded. When the component as sent is already in that form
 * (unreserved characters, and upper-case escapes of ASCII characters that are not unreserved),
 * decoding and encoding again gives it back unchanged, so it is used as it is.
 */
function canonicalComponent(decoded: string, raw: string | undefined): string {
  return raw !== undefined && isCanonicalEncoding(raw) ? raw : encodeRfc3986(decoded);
}

const HEX_UPPER = "0123456789ABCDEF";

function isUnreservedCode(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x2d || // -
    c === 0x2e || // .
    c === 0x5f || // _
    c === 0x7e // ~
  );
}

function isCanonicalEncoding(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (isUnreservedCode(c)) continue;
    if (c !== 0x25 || i + 2 >= raw.length) return false;
    const hi = HEX_UPPER.indexOf(raw[i + 1]!);
    const lo = HEX_UPPER.indexOf(raw[i + 2]!);
    // An escape of an ASCII character that must stay escaped; anything else takes the slow path.
    if (hi < 0 || hi > 7 || lo < 0 || isUnreservedCode(hi * 16 + lo)) return false;
    i += 2;
  }
  return true;
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
