import { checksumHeaderName } from "../lib/checksum-algorithm.ts";
import { headerText } from "../lib/header-text.ts";
import { toHttpDate } from "../lib/http-date.ts";
import type { QueryView } from "../lib/parsed-query.ts";
import { decodeRfc2047, encodeRfc2047 } from "../lib/rfc2047.ts";
import type { ContentHeaders, ObjectAttributes, ObjectInfo } from "../storage/index.ts";
import { S3Error } from "./errors.ts";
import { quoteEtag } from "./responses.ts";

const maxUserMetadataBytes = 2048;
const encoder = new TextEncoder();
const utf8Length = (text: string) => encoder.encode(text).byteLength;
const metaPrefix = "x-amz-meta-";

const contentHeaderNames: [keyof ContentHeaders, string][] = [
  ["contentType", "content-type"],
  ["contentEncoding", "content-encoding"],
  ["contentDisposition", "content-disposition"],
  ["contentLanguage", "content-language"],
  ["cacheControl", "cache-control"],
  ["expires", "expires"],
];

/** Drops the aws-chunked transfer coding from a Content-Encoding value. */
function storedContentEncoding(value: string): string | undefined {
  const codings = value
    .split(",")
    .map((c) => c.trim())
    .filter((c) => c && c.toLowerCase() !== "aws-chunked");
  return codings.length ? codings.join(", ") : undefined;
}

/** Reads content headers and x-amz-meta-* from a PUT, Copy (REPLACE) or CreateMultipartUpload. */
export function attributesFromRequest(headers: Headers): ObjectAttributes {
  const attributes: ObjectAttributes = { userMetadata: {} };
  for (const [field, name] of contentHeaderNames) {
    const value = headers.get(name);
    if (value === null) continue;
    if (field === "contentEncoding") {
      const stored = storedContentEncoding(value);
      if (stored) attributes.contentEncoding = stored;
    } else {
      attributes[field] = value;
    }
  }
  let metadataBytes = 0;
  headers.forEach((value, name) => {
    if (!name.startsWith(metaPrefix)) return;
    const metaName = name.slice(metaPrefix.length);
    const text = decodeRfc2047(headerText(value));
    metadataBytes += metaName.length + utf8Length(text);
    attributes.userMetadata[metaName] = text;
  });
  if (metadataBytes > maxUserMetadataBytes) {
    throw new S3Error("MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.", {
      Size: String(metadataBytes),
      MaxSizeAllowed: String(maxUserMetadataBytes),
    });
  }
  return attributes;
}

/** The response headers that describe an object (GET, HEAD). */
export function objectHeaders(info: ObjectInfo, withChecksum: boolean): Headers {
  const headers = new Headers({
    etag: quoteEtag(info.etag),
    "last-modified": toHttpDate(info.lastModified),
    "accept-ranges": "bytes",
    "content-type": info.contentType ?? "application/octet-stream",
  });
  for (const [field, name] of contentHeaderNames) {
    const value = info[field];
    if (value !== undefined && field !== "contentType") headers.set(name, value);
  }
  for (const [name, value] of Object.entries(info.userMetadata)) {
    headers.set(metaPrefix + name, encodeRfc2047(value));
  }
  if (withChecksum && info.checksum) {
    headers.set(checksumHeaderName(info.checksum.algorithm), info.checksum.value);
    headers.set("x-amz-checksum-type", info.checksum.type);
  }
  return headers;
}

/** response-content-* query parameters that override stored headers on GET. */
const responseOverrides: [string, string][] = [
  ["response-content-type", "content-type"],
  ["response-content-language", "content-language"],
  ["response-expires", "expires"],
  ["response-cache-control", "cache-control"],
  ["response-content-disposition", "content-disposition"],
  ["response-content-encoding", "content-encoding"],
];

/** Whether the request asks for any response-* override. */
export function asksResponseOverrides(query: QueryView): boolean {
  return responseOverrides.some(([param]) => query.get(param) !== null);
}

export function applyResponseOverrides(headers: Headers, query: QueryView): void {
  for (const [param, header] of responseOverrides) {
    const value = query.get(param);
    if (value !== null) headers.set(header, value);
  }
}
