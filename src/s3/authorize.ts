import { accountId, userArn } from "../auth/account.ts";
import { evaluate, type Policy, parsePolicy, type RequestContext } from "../auth/policy/index.ts";
import type { AuthResult } from "../auth/types.ts";
import type { ObjectTag } from "../storage/index.ts";
import { S3Error } from "./errors.ts";
import {
  existingTagKeys,
  type ObjectTagsReader,
  requestTagKeys,
  usesExistingTags,
} from "./tag-conditions.ts";

export { accountId };

/** What an admin may do, as a policy: the base that an admin's session policy narrows. */
const everything = parsePolicy(
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }),
  "identity",
);

/** What the identity directory tells about a user, for authorization. */
export interface Identities {
  roleOf(userName: string): Promise<"admin" | "s3" | undefined>;
  policiesOf(userName: string): Promise<Policy[]>;
}

export interface AccessRequest {
  action: string;
  /** The resource ARN. */
  resource: string;
  /** The bucket whose policy applies ("" for ListBuckets). */
  bucket: string;
  /** The object's key, for an object's action (s3:ExistingObjectTag reads its tags). */
  key?: string;
}

/** Facts about the HTTP request that policy conditions may test. */
export interface RequestFacts {
  headers: Headers;
  query: URLSearchParams;
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

export type Authorize = (auth: AuthResult, request: AccessRequest, facts: RequestFacts) => Promise<void>;

function conditionKeys(auth: AuthResult, facts: RequestFacts): RequestContext["conditionKeys"] {
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
    "s3:signatureversion": auth.kind === "sigv4" ? (auth.signatureVersion ?? "AWS4-HMAC-SHA256") : undefined,
    "s3:authType": auth.kind === "sigv4" ? (presigned ? "REST-QUERY-STRING" : "REST-HEADER") : undefined,
    ...lockConditionKeys(facts, now),
    ...requestTagKeys(facts.tags, headers),
  };
}

/** The s3:ExistingObjectTag keys, read only when one of the policies tests one. */
async function existingTags(
  request: AccessRequest,
  facts: RequestFacts,
  policies: readonly (Policy | undefined)[],
): Promise<RequestContext["conditionKeys"]> {
  if (!usesExistingTags(policies)) return {};
  const versionId = facts.versionId ?? facts.query.get("versionId") ?? undefined;
  return existingTagKeys(facts.objectTags, request.bucket, request.key, versionId);
}

/**
 * What the root credential may always do on a bucket, whatever its policy says, as on S3: the
 * owner can never lock itself out of its own bucket.
 */
const ownerPolicyActions = new Set(["s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"]);

/**
 * authorize: the root credential and admin users may do everything a bucket policy does not
 * explicitly deny (the root can always read, replace and delete that policy); an s3 user what its
 * identity policies or the bucket's policy allow; an anonymous caller what the bucket policy
 * grants to Principal "*". An explicit Deny anywhere wins.
 */
export function createAuthorizer(
  identities: Identities,
  bucketPolicyOf: (bucket: string) => Promise<Policy | undefined>,
): Authorize {
  return async (auth, request, facts) => {
    const { principal } = auth;
    if (principal.kind === "root") {
      if (ownerPolicyActions.has(request.action)) return;
      const bucket = await bucketPolicyOf(request.bucket);
      if (!bucket) return;
      const context: RequestContext = {
        action: request.action,
        resource: request.resource,
        principal: { type: "root", arn: `arn:aws:iam::${accountId}:root`, accountId },
        conditionKeys: {
          ...conditionKeys(auth, facts),
          ...(await existingTags(request, facts, [bucket])),
          "aws:PrincipalType": "Account",
        },
      };
      if (evaluate({ identity: [everything], bucket }, context).decision !== "Allow") {
        throw new S3Error("AccessDenied");
      }
      return;
    }
    if (principal.kind === "anonymous") {
      const bucket = await bucketPolicyOf(request.bucket);
      if (!bucket) throw new S3Error("AccessDenied");
      const context: RequestContext = {
        action: request.action,
        resource: request.resource,
        principal: { type: "anonymous", arn: "*" },
        conditionKeys: {
          ...conditionKeys(auth, facts),
          ...(await existingTags(request, facts, [bucket])),
          "aws:PrincipalType": "Anonymous",
        },
      };
      if (evaluate({ identity: [], bucket }, context).decision !== "Allow") throw new S3Error("AccessDenied");
      return;
    }
    if (principal.kind !== "user" && principal.kind !== "session") throw new S3Error("AccessDenied");
    const session = principal.kind === "session" ? principal.session : undefined;
    if (principal.kind === "session" && !session) throw new S3Error("AccessDenied");
    const role = await identities.roleOf(principal.name);
    if (role !== "s3" && role !== "admin") throw new S3Error("AccessDenied");
    const context: RequestContext = {
      action: request.action,
      resource: request.resource,
      principal: {
        type: session ? "session" : "user",
        arn: session ? session.arn : userArn(principal.name),
        username: principal.name,
        userid: principal.name,
        accountId,
      },
      conditionKeys: {
        ...conditionKeys(auth, facts),
        "aws:username": principal.name,
        "aws:userid": principal.name,
        "aws:PrincipalType": session ? "AssumedRole" : "User",
      },
    };
    const [identity, bucket] = await Promise.all([
      role === "admin" ? [everything] : identities.policiesOf(principal.name),
      bucketPolicyOf(request.bucket),
    ]);
    Object.assign(
      context.conditionKeys,
      await existingTags(request, facts, [...identity, bucket, session?.policy]),
    );
    const result = evaluate({ identity, bucket, session: session?.policy }, context);
    if (result.decision !== "Allow") throw new S3Error("AccessDenied");
  };
}

/** The resource ARN an action applies to: the bucket, an object, or everything. */
export function resourceArn(bucket: string, key: string): string {
  if (!bucket) return "arn:aws:s3:::*";
  return key ? `arn:aws:s3:::${bucket}/${key}` : `arn:aws:s3:::${bucket}`;
}
