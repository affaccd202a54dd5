/**
 * Object and bucket tags as S3 checks them: keys of 1…128 and values of 0…256 Unicode
 * characters made of letters, digits, spaces and `_ . : / = + - @`; no key twice; at most 10
 * tags on an object and 50 on a bucket. `x-amz-tagging` carries them as a URL-encoded query
 * string (PutObject, CreateMultipartUpload, CopyObject with the REPLACE directive).
 */
import type { ObjectTag } from "../storage/index.ts";
import { S3Error } from "./errors.ts";

export const maxObjectTags = 10;
export const maxBucketTags = 50;
const maxKeyLength = 128;
const maxValueLength = 256;
const allowed = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Length in Unicode characters (code points), as S3 counts. */
function chars(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function invalidTag(message: string): S3Error {
  return new S3Error("InvalidTag", message);
}

/** Checks each tag, then that no key repeats, then the count (the order S3 reports them in). */
export function checkTags(tags: ObjectTag[], scope: "object" | "bucket"): ObjectTag[] {
  const seen = new Set<string>();
  for (const { key, value } of tags) {
    if (key === "" || chars(key) > maxKeyLength || !allowed.test(key)) {
      throw invalidTag(
        chars(key) > maxKeyLength
          ? "The TagKey you have provided is too long, max 128"
          : "The TagKey you have provided is invalid",
      );
    }
    if (chars(value) > maxValueLength)
      throw invalidTag("The TagValue you have provided is too long, max 256");
    if (!allowed.test(value)) throw invalidTag("The TagValue you have provided is invalid");
    if (seen.has(key)) throw invalidTag("Cannot provide multiple Tags with the same key");
    seen.add(key);
  }
  if (scope === "object" && tags.length > maxObjectTags) {
    throw new S3Error("BadRequest", "Object tags cannot be greater than 10");
  }
  if (scope === "bucket" && tags.length > maxBucketTags) {
    throw new S3Error("BadRequest", "Bucket tag count cannot be greater than 50");
  }
  return tags;
}

const headerError = () =>
  new S3Error(
    "InvalidArgument",
    "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
    { ArgumentName: "x-amz-tagging" },
  );

/** The tags of an `x-amz-tagging` value (`k1=v1&k2=v2`, `+` or `%20` for a space), checked. */
export function parseTaggingHeader(value: string): ObjectTag[] {
  const tags: ObjectTag[] = [];
  const seen = new Set<string>();
  if (value === "") return tags;
  for (const pair of value.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? "" : pair.slice(eq + 1);
    let key: string;
    let tagValue: string;
    try {
      key = decodeURIComponent(rawKey.replaceAll("+", " "));
      tagValue = decodeURIComponent(rawValue.replaceAll("+", " "));
    } catch {
      throw headerError();
    }
    if (seen.has(key)) throw headerError();
    seen.add(key);
    tags.push({ key, value: tagValue });
  }
  return checkTags(tags, "object");
}

/** The tags `x-amz-tagging` asks for, undefined without the header. */
export function taggingHeaderOf(headers: Headers): ObjectTag[] | undefined {
  const value = headers.get("x-amz-tagging");
  return value === null ? undefined : parseTaggingHeader(value);
}

/** `k1=v1&k2=v2` of some tags (s3:RequestObjectTag keys, tests). */
export function formatTagging(tags: ObjectTag[]): string {
  return tags.map((t) => `${encodeURIComponent(t.key)}=${encodeURIComponent(t.value)}`).join("&");
}
