/** S3 calls signed in the browser with the session's credentials, path-style on this origin. */
import { clientFor, type SessionCredentials } from "./session.ts";
import { children, childText, parseXml, queryError } from "./xml.ts";

export function objectUrl(bucket: string, key = "", query = ""): string {
  const path = key
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
  return `${location.origin}/${bucket}${key ? `/${path}` : bucket ? "" : ""}${query ? `?${query}` : ""}`;
}

export async function s3(
  session: SessionCredentials,
  method: string,
  url: string,
  init: { headers?: Record<string, string>; body?: BodyInit } = {},
): Promise<Response> {
  const response = await clientFor(session, "s3").fetch(url, { method, ...init });
  if (!response.ok) {
    const text = method === "HEAD" ? "" : await response.text();
    throw queryError(parseXml(text), response.status);
  }
  return response;
}

export async function s3Xml(session: SessionCredentials, method: string, url: string): Promise<Element> {
  const response = await s3(session, method, url);
  return parseXml(await response.text()).documentElement;
}

export interface Listing {
  folders: string[];
  objects: { key: string; size: number; lastModified: string; etag: string }[];
  nextToken?: string;
}

/** One page of ListObjectsV2 with "/" as delimiter. */
export async function listPage(
  session: SessionCredentials,
  bucket: string,
  prefix: string,
  maxKeys: number,
  token?: string,
): Promise<Listing> {
  const q = new URLSearchParams({ "list-type": "2", delimiter: "/", prefix, "max-keys": String(maxKeys) });
  if (token) q.set("continuation-token", token);
  const root = await s3Xml(session, "GET", objectUrl(bucket, "", q.toString()));
  return {
    folders: children(root, "CommonPrefixes").map((p) => childText(p, "Prefix")),
    objects: children(root, "Contents").map((c) => ({
      key: childText(c, "Key"),
      size: Number(childText(c, "Size")),
      lastModified: childText(c, "LastModified"),
      etag: childText(c, "ETag"),
    })),
    nextToken:
      childText(root, "IsTruncated") === "true" ? childText(root, "NextContinuationToken") : undefined,
  };
}

export async function listBuckets(session: SessionCredentials): Promise<{ name: string; created: string }[]> {
  const root = await s3Xml(session, "GET", `${location.origin}/`);
  return Array.from(root.getElementsByTagName("Bucket")).map((b) => ({
    name: childText(b, "Name"),
    created: childText(b, "CreationDate"),
  }));
}

async function sha256Base64(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

function xmlText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** DeleteObjects for up to 1,000 keys; returns the keys that failed with their error. */
export async function deleteObjects(
  session: SessionCredentials,
  bucket: string,
  keys: string[],
): Promise<string[]> {
  const body = `<Delete><Quiet>true</Quiet>${keys.map((k) => `<Object><Key>${xmlText(k)}</Key></Object>`).join("")}</Delete>`;
  const response = await s3(session, "POST", objectUrl(bucket, "", "delete="), {
    headers: { "content-type": "application/xml", "x-amz-checksum-sha256": await sha256Base64(body) },
    body,
  });
  const root = parseXml(await response.text()).documentElement;
  return children(root, "Error").map((e) => `${childText(e, "Key")}: ${childText(e, "Code")}`);
}

/** A presigned GET of one object, valid for `seconds` from now. */
export async function presignGet(
  session: SessionCredentials,
  bucket: string,
  key: string,
  seconds: number,
): Promise<{ url: string; expires: Date }> {
  const signedAt = Date.now();
  const signed = await clientFor(session, "s3").sign(objectUrl(bucket, key, `X-Amz-Expires=${seconds}`), {
    method: "GET",
    aws: { signQuery: true, datetime: new Date(signedAt).toISOString().replace(/[:-]|\.\d{3}/g, "") },
  });
  return { url: signed.url, expires: new Date(Math.floor(signedAt / 1000) * 1000 + seconds * 1000) };
}

/** A bucket's quota usage (null when it has no quota), proven readable by a presigned HeadBucket. */
export async function bucketUsage(
  session: SessionCredentials,
  bucket: string,
): Promise<{ used: number | null; hard: number | null }> {
  const proof = await clientFor(session, "s3").sign(objectUrl(bucket, "", "X-Amz-Expires=60"), {
    method: "HEAD",
    aws: { signQuery: true },
  });
  const response = await fetch(`/_console/api/usage?bucket=${encodeURIComponent(bucket)}`, {
    headers: { "x-s3dir-proof": new URL(proof.url).search },
    cache: "no-store",
  });
  if (!response.ok) throw new Error(`usage: HTTP ${response.status}`);
  return await response.json();
}
