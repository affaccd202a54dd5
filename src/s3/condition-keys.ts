/**
 * The condition keys a request gives a policy (aws:*, s3:*), built from the request's headers and
 * query and the facts a handler adds (a copy source's version, a body's lock or tags).
 */
import type { RequestContext } from "../auth/policy/index.ts";
import type { AuthResult } from "../auth/types.ts";
import type { QueryView } from "../lib/parsed-query.ts";
import type { ObjectTag } from "../storage/index.ts";
import { type ObjectTagsReader, requestTagKeys } from "./tag-conditions.ts";

/** Facts about the HTTP request that policy conditions may test. */
export interface RequestFacts {
  headers: Headers;
  query: QueryView;
  remoteIp: string;
  secure: boolean;
  /** The version a check is about when it is not the request's `versionId` (a copy source, a key of DeleteObjects). */
  versionId?: string;
  /** The object lock a request asks for in its body (PutObjectRetention, PutObjectLegalHold), instead of its headers. */
  lock?: LockFacts;
  /** The tags a request asks for in its body (PutObjectTagging), instead of its x-amz-tagging header. */
  tags?: ObjectTag[];
  /** Reads an object's tags, when a policy tests s3:ExistingObjectTag. */
  objectTags?: ObjectTagsReader;
}

/** What the s3:object-lock-* condition keys test. */
export interface LockFacts {
  mode?: string;
  /** As sent (an ISO 8601 timestamp). */
  retainUntilDate?: string;
  legalHold?: string;
}

const dayMs = 86_400_000;

function lockConditionKeys(facts: RequestFacts, now: Date): RequestContext["conditionKeys"] {
  const { headers } = facts;
  const lock = facts.lock ?? {
    mode: headers.get("x-amz-object-lock-mode") ?? undefined,
    retainUntilDate: headers.get("x-amz-object-lock-retain-until-date") ?? undefined,
    legalHold: headers.get("x-amz-object-lock-legal-hold") ?? undefined,
  };
  const until = lock.retainUntilDate === undefined ? Number.NaN : Date.parse(lock.retainUntilDate);
  // Whole days left, a started day counted (a retention of one day set now has 1 day left).
  const remaining = Number.isNaN(until)
    ? undefined
    : String(Math.max(0, Math.ceil((until - now.getTime()) / dayMs)));
  return {
    "s3:object-lock-mode": lock.mode,
    "s3:object-lock-retain-until-date": lock.retainUntilDate,
    "s3:object-lock-remaining-retention-days": remaining,
    "s3:object-lock-legal-hold": lock.legalHold,
  };
}

/** Condition keys that are a request header as sent (s3:x-amz-acl, s3:x-amz-grant-*, …). */
const headerKeys = [
  "x-amz-acl",
  "x-amz-grant-full-control",
  "x-amz-grant-read",
  "x-amz-grant-read-acp",
  "x-amz-grant-write",
  "x-amz-grant-write-acp",
  "x-amz-metadata-directive",
  "x-amz-storage-class",
];

function headerConditionKeys(headers: Headers): RequestContext["conditionKeys"] {
  const keys: RequestContext["conditionKeys"] = {};
  for (const name of headerKeys) {
    const value = headers.get(name);
    if (value !== null) keys[`s3:${name}`] = value;
  }
  return keys;
}

/** s3:x-amz-copy-source: the source as `bucket/key`, decoded, without the leading slash. */
function copySourceKey(header: string | null): string | undefined {
  if (header === null) return undefined;
  const path = header.startsWith("/") ? header.slice(1) : header;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export function conditionKeys(auth: AuthResult, facts: RequestFacts): RequestContext["conditionKeys"] {
  const now = new Date();
  const { query, headers } = facts;
  const presigned = auth.kind === "sigv4" && auth.presigned;
  return {
    "aws:SourceIp": facts.remoteIp || undefined,
    "aws:SecureTransport": String(facts.secure),
    "aws:CurrentTime": now.toISOString(),
    "aws:EpochTime": String(Math.floor(now.getTime() / 1000)),
    "aws:UserAgent": headers.get("user-agent") ?? undefined,
    "aws:Referer": headers.get("referer") ?? undefined,
    "s3:prefix": query.get("prefix") ?? undefined,
    "s3:delimiter": query.get("delimiter") ?? undefined,
    "s3:max-keys": query.get("max-keys") ?? undefined,
    "s3:versionid": facts.versionId ?? query.get("versionId") ?? undefined,
    "s3:x-amz-content-sha256": headers.get("x-amz-content-sha256") ?? undefined,
    ...headerConditionKeys(headers),
    "s3:x-amz-copy-source": copySourceKey(headers.get("x-amz-copy-source")),
    "s3:x-amz-server-side-encryption": headers.get("x-amz-server-side-encryption") ?? undefined,
    "s3:x-amz-server-side-encryption-aws-kms-key-id":
      headers.get("x-amz-server-side-encryption-aws-kms-key-id") ?? undefined,
    "s3:signatureversion":
      auth.kind === "sigv4" ? (auth.postForm ?? auth.signatureVersion ?? "AWS4-HMAC-SHA256") : undefined,
    "s3:authType":
      auth.kind !== "sigv4"
        ? undefined
        : auth.postForm
          ? "POST"
          : presigned
            ? "REST-QUERY-STRING"
            : "REST-HEADER",
    ...lockConditionKeys(facts, now),
    ...requestTagKeys(facts.tags, headers),
  };
}
