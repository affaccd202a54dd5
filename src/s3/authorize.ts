import { accountId, accountOf, rootArn, userArn } from "../auth/account.ts";
import { evaluate, type Policy, parsePolicy, type RequestContext } from "../auth/policy/index.ts";
import type { AuthResult } from "../auth/types.ts";
import {
  type AclRequester,
  type AclSources,
  aclAllows,
  foreignObjectOwner,
  isObjectOwnerAction,
  isUploadOwnerAction,
  objectAclAllows,
} from "./acl/evaluate-acl.ts";
import { isPublicPolicy } from "./acl/public-policy.ts";
import { conditionKeys, type LockFacts, type RequestFacts } from "./condition-keys.ts";
import { S3Error } from "./errors.ts";
import { existingTagKeys, usesExistingTags } from "./tag-conditions.ts";

export type { LockFacts, RequestFacts };
export { accountId };

/** What an admin may do, as a policy: the base that an admin's session policy narrows. */
const everything = parsePolicy(
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }),
  "identity",
);

/** What the identity directory tells about a user of an account, for authorization. */
export interface Identities {
  roleOf(userName: string, account: string): Promise<"admin" | "s3" | undefined>;
  policiesOf(userName: string, account: string): Promise<Policy[]>;
  /** The named policies of an account (a federated session's rights); absent: none. */
  policiesNamed?(names: string[], account: string): Promise<Policy[]>;
  /** The permission policies of a stored role, for sessions of that role ([] when it is gone). */
  rolePoliciesOf?(roleArn: string): Promise<Policy[]>;
}

/** The id of the account owning a bucket; undefined when there is no such bucket. */
export type BucketAccountOf = (bucket: string) => Promise<string | undefined>;

export interface AccessRequest {
  action: string;
  /** The resource ARN. */
  resource: string;
  /** The bucket whose policy applies ("" for ListBuckets). */
  bucket: string;
  /** The object's key, for an object's action (s3:ExistingObjectTag reads its tags). */
  key?: string;
}

export type Authorize = (auth: AuthResult, request: AccessRequest, facts: RequestFacts) => Promise<void>;

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

/** A signed request whose account's own grants do not count (aclGrants). */
const signedInOnly = Symbol("signed in");

/**
 * What the root credential may always do on a bucket, whatever its policy says, as on S3: the
 * owner can never lock itself out of its own bucket.
 */
const ownerPolicyActions = new Set(["s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"]);

/**
 * authorize, as AWS evaluates requests. Inside the bucket's own account: the account's root and
 * admin users may do everything a bucket policy does not explicitly deny (the root can always
 * read, replace and delete that policy); an s3 user what its identity policies or the bucket's
 * policy allow. Across accounts both must allow: the bucket policy must grant the caller (its
 * ARN, its account, or "*") and the caller's own identity policies must allow the action (an
 * account's root has every right in its own account, so for it the bucket policy decides). An
 * anonymous caller gets what the bucket policy grants to Principal "*". ACL grants (to the
 * caller's account by canonical id, or to a group) count as the bucket policy would: across
 * accounts the caller's own identity policies must still allow. An object another account owns
 * (written under ObjectWriter) is that account's to grant: the bucket owner can only deny it.
 * An explicit Deny anywhere wins. CreateBucket is always the caller's own account's business (a
 * taken name is the handler's answer, BucketAlreadyExists).
 */
export function createAuthorizer(
  identities: Identities,
  bucketPolicyOf: (bucket: string) => Promise<Policy | undefined>,
  acls?: AclSources,
  bucketAccountOf: BucketAccountOf = async () => accountId,
): Authorize {
  const versionOf = (facts: RequestFacts) => facts.versionId ?? facts.query.get("versionId") ?? undefined;
  const requesterOf = async (account: string | undefined): Promise<AclRequester> =>
    account === undefined || !acls
      ? { anonymous: account === undefined }
      : { anonymous: false, canonicalId: await acls.canonicalIdOf(account) };
  const aclGrants = async (
    request: AccessRequest,
    facts: RequestFacts,
    account?: string | typeof signedInOnly,
  ): Promise<boolean> =>
    acls
      ? aclAllows(
          acls,
          request.action,
          request.bucket,
          request.key,
          versionOf(facts),
          account === signedInOnly ? { anonymous: false } : await requesterOf(account),
        )
      : false;
  /** The owner of the object when another account than the bucket owner (`owner`) owns it. */
  const foreignOwner = async (request: AccessRequest, facts: RequestFacts, owner: string | undefined) =>
    acls && owner !== undefined
      ? foreignObjectOwner(
          acls,
          request.action,
          request.bucket,
          request.key,
          versionOf(facts),
          owner,
          facts.query.get("uploadId") ?? undefined,
        )
      : undefined;
  /**
   * An object another account owns: the bucket owner may only deny (an explicit Deny in its
   * policy); the object's owner decides, through its own account's rights or the object's ACL.
   */
  const objectOwnerDecides = async (
    request: AccessRequest,
    facts: RequestFacts,
    objectOwner: string,
    context: RequestContext,
    caller: { account?: string; identityAllows: boolean },
  ): Promise<void> => {
    const bucket = await bucketPolicyOf(request.bucket);
    if (bucket && evaluate({ identity: [], bucket }, context).decision === "Deny")
      throw new S3Error("AccessDenied");
    if (!caller.identityAllows || !acls) throw new S3Error("AccessDenied");
    const requester = await requesterOf(caller.account);
    if (requester.canonicalId === objectOwner) return;
    if (
      request.key &&
      (await objectAclAllows(acls, request.action, request.bucket, request.key, versionOf(facts), requester))
    )
      return;
    throw new S3Error("AccessDenied");
  };
  return async (auth, request, facts) => {
    const { principal } = auth;
    if (principal.kind === "anonymous") {
      const bucket = await bucketPolicyOf(request.bucket);
      const context: RequestContext = {
        action: request.action,
        resource: request.resource,
        principal: { type: "anonymous", arn: "*" },
        conditionKeys: {
          ...conditionKeys(auth, facts),
          ...(bucket ? await existingTags(request, facts, [bucket]) : {}),
          "aws:PrincipalType": "Anonymous",
        },
      };
      const objectOwner =
        request.key && isObjectOwnerAction(request.action)
          ? await foreignOwner(request, facts, await bucketAccountOf(request.bucket))
          : undefined;
      if (objectOwner)
        return objectOwnerDecides(request, facts, objectOwner, context, { identityAllows: true });
      if (!bucket) {
        if (await aclGrants(request, facts)) return;
        throw new S3Error("AccessDenied");
      }
      const { decision } = evaluate({ identity: [], bucket }, context);
      if (decision === "Deny") throw new S3Error("AccessDenied");
      if (decision === "Allow" && !(await restrictsPublicPolicy(acls, request.bucket, bucket))) return;
      if (await aclGrants(request, facts)) return;
      throw new S3Error("AccessDenied");
    }
    const caller = accountOf(principal);
    const owner =
      request.bucket && request.action !== "s3:CreateBucket"
        ? ((await bucketAccountOf(request.bucket)) ?? caller)
        : caller;
    const crossAccount = owner !== caller;
    const resourceAccount = { "s3:ResourceAccount": owner };
    // The bucket's own account decides on every upload in it, as on any object.
    const objectOwner =
      !crossAccount && isUploadOwnerAction(request.action)
        ? undefined
        : await foreignOwner(request, facts, owner);
    if (principal.kind === "root") {
      // Built only when a policy is evaluated: a root in its own bucket without a policy, the
      // commonest request, needs no condition keys (conditionKeys is pure, so when they are made
      // changes nothing).
      const contextOf = (): RequestContext => ({
        action: request.action,
        resource: request.resource,
        principal: { type: "root", arn: rootArn(caller), accountId: caller },
        conditionKeys: {
          ...conditionKeys(auth, facts),
          ...resourceAccount,
          "aws:PrincipalType": "Account",
        },
      });
      if (objectOwner)
        return objectOwnerDecides(request, facts, objectOwner, contextOf(), {
          account: caller,
          identityAllows: true,
        });
      if (!crossAccount && ownerPolicyActions.has(request.action)) return;
      const bucket = await bucketPolicyOf(request.bucket);
      if (!bucket && !crossAccount) return;
      const context = contextOf();
      if (bucket) Object.assign(context.conditionKeys, await existingTags(request, facts, [bucket]));
      const grant = crossAccount ? { identity: [], bucket } : { identity: [everything], bucket };
      const decision = bucket ? evaluate(grant, context).decision : "ImplicitDeny";
      if (decision === "Allow") return;
      // Across accounts an ACL grant to the caller's account counts as a bucket policy grant would.
      if (decision === "ImplicitDeny" && crossAccount && (await aclGrants(request, facts, caller))) return;
      throw new S3Error("AccessDenied");
    }
    if (principal.kind !== "user" && principal.kind !== "session") throw new S3Error("AccessDenied");
    const session = principal.kind === "session" ? principal.session : undefined;
    // A session policy or a service account's policy narrows what the identity may do.
    const narrowing = session?.policy ?? principal.serviceAccount?.policy;
    if (principal.kind === "session" && !session) throw new S3Error("AccessDenied");
    const federated = session?.federated;
    const named = session?.policies;
    // A federated session (web identity, LDAP) has no user behind it: its rights are the policies it was granted.
    const role = federated || named ? "s3" : await identities.roleOf(principal.name, caller);
    if (role !== "s3" && role !== "admin") throw new S3Error("AccessDenied");
    const context: RequestContext = {
      action: request.action,
      resource: request.resource,
      principal: {
        type: session ? "session" : "user",
        arn: session ? session.arn : userArn(principal.name, caller),
        username: principal.name,
        userid: principal.name,
        accountId: caller,
      },
      conditionKeys: {
        ...conditionKeys(auth, facts),
        ...resourceAccount,
        "aws:username": principal.name,
        "aws:userid": principal.name,
        "aws:PrincipalType": session ? "AssumedRole" : "User",
        ...principalTags(session?.tags),
      },
    };
    const [identity, bucket] = await Promise.all([
      federated
        ? federated.policies
        : named
          ? (identities.policiesNamed?.(named, caller) ?? [])
          : session?.role
            ? (identities.rolePoliciesOf?.(session.roleArn) ?? [])
            : role === "admin"
              ? [everything]
              : identities.policiesOf(principal.name, caller),
      bucketPolicyOf(request.bucket),
    ]);
    Object.assign(
      context.conditionKeys,
      await existingTags(request, facts, [...identity, bucket, narrowing]),
    );
    if (objectOwner) {
      const own = evaluate({ identity, session: session?.policy }, context).decision;
      return objectOwnerDecides(request, facts, objectOwner, context, {
        account: caller,
        identityAllows: own === "Allow",
      });
    }
    if (crossAccount) {
      const own = evaluate({ identity, session: narrowing }, context).decision;
      const grant = bucket ? evaluate({ identity: [], bucket }, context) : undefined;
      if (own !== "Allow" || grant?.decision === "Deny") throw new S3Error("AccessDenied");
      if (grant?.decision === "Allow" || grant?.accountGranted === true) return;
      // Across accounts an ACL grant to the caller's account counts as a bucket policy grant would.
      if (await aclGrants(request, facts, caller)) return;
      throw new S3Error("AccessDenied");
    }
    const result = evaluate({ identity, bucket, session: narrowing }, context);
    if (result.decision === "Allow") return;
    // Inside the bucket's account a grant to the account itself gives its users nothing their
    // own policies do not: only group grants (AllUsers, AuthenticatedUsers) count here.
    if (result.decision === "ImplicitDeny" && (await aclGrants(request, facts, signedInOnly))) return;
    throw new S3Error("AccessDenied");
  };
}

/** A session's tags as the condition keys aws:PrincipalTag/<key>. */
function principalTags(tags: Record<string, string> | undefined): Record<string, string> {
  if (!tags) return {};
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:PrincipalTag/${k}`, v]));
}

/** RestrictPublicBuckets: a public policy grants only to the owner's account (never to anonymous callers). */
async function restrictsPublicPolicy(
  acls: AclSources | undefined,
  bucket: string,
  policy: Policy,
): Promise<boolean> {
  if (!acls) return false;
  const access = await acls.bucketAccess(bucket);
  return access.block?.RestrictPublicBuckets === true && isPublicPolicy(policy);
}

/** The resource ARN an action applies to: the bucket, an object, or everything. */
export function resourceArn(bucket: string, key: string): string {
  if (!bucket) return "arn:aws:s3:::*";
  return key ? `arn:aws:s3:::${bucket}/${key}` : `arn:aws:s3:::${bucket}`;
}
