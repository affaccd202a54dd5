import * as v from "valibot";
import { assumedRoleArn } from "../../auth/account.ts";
import { issueSession } from "../../auth/session-issue.ts";
import type { TokenKey } from "../../auth/session-token.ts";
import type { Principal } from "../../auth/types.ts";
import { type VerifiedWebIdentity, WebIdentityError } from "../../iam/oidc-providers.ts";
import { trustAllows } from "../../iam/oidc-trust.ts";
import type { RoleLookup } from "../../iam/role-lookup.ts";
import { QueryError } from "./query-error.ts";
import { param, required } from "./query-params.ts";
import { el } from "./query-xml.ts";
import { credentialsXml, packedPolicyXml, sessionPolicyOf } from "./sts-actions.ts";
import { durationOf, refusePolicyArns, roleArnParam, roleSessionNameParam } from "./sts-params.ts";

/** An STS action that takes no credentials (AWS answers AssumeRoleWithWebIdentity unsigned). */
export type UnsignedQueryAction = (ctx: {
  params: URLSearchParams;
  requestId: string;
  /** Names who the call turned out to be, for the access log and the audit trail. */
  identify: (principal: Principal) => void;
}) => Promise<string>;

export interface WebIdentityDeps {
  verify: (token: string) => Promise<VerifiedWebIdentity>;
  /** AWS's mapping: the role an ARN names, with its trust policy and permissions. */
  roleTrust: RoleLookup;
  /** Weka's mapping: the documents of the named policies that exist (built-in or custom). */
  policyDocuments: (names: string[]) => Promise<string[]>;
  currentTokenKey: () => Promise<TokenKey>;
  maxDurationSeconds: number;
  now?: () => number;
}

const tokenParam = v.pipe(
  required,
  v.minLength(4, "Member must have length greater than or equal to 4"),
  v.maxLength(20_000, "Member must have length less than or equal to 20000"),
);

const webIdentityStatus = {
  InvalidIdentityToken: 400,
  ExpiredTokenException: 400,
  IDPCommunicationError: 400,
  IDPRejectedClaim: 403,
};

function claimValues(value: unknown): string[] {
  if (typeof value === "string")
    return value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  return Array.isArray(value) ? value.filter((x): x is string => typeof x === "string") : [];
}

async function roleIdOf(roleArn: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(roleArn)));
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  return `AROA${Array.from(digest.slice(0, 16), (b) => alphabet[b % 32]).join("")}`;
}

/**
 * AssumeRoleWithWebIdentity: an ID token from a configured OpenID Connect provider becomes
 * temporary credentials. When RoleArn names a role, its trust policy decides and its permissions
 * are the session's (AWS); otherwise each value of the provider's roles claim names a policy and
 * the session has those policies (Weka). A session policy narrows either.
 */
export function assumeRoleWithWebIdentity(deps: WebIdentityDeps): UnsignedQueryAction {
  return async ({ params, identify }) => {
    const token = param(params, "WebIdentityToken", tokenParam, { hideValue: true });
    const roleArn = param(params, "RoleArn", roleArnParam);
    const sessionName = param(params, "RoleSessionName", roleSessionNameParam);
    refusePolicyArns(params);
    const policy = sessionPolicyOf(params);
    let id: VerifiedWebIdentity;
    try {
      id = await deps.verify(token);
    } catch (e) {
      if (e instanceof WebIdentityError) throw new QueryError(e.code, e.message, webIdentityStatus[e.code]);
      throw e;
    }
    const role = await deps.roleTrust(roleArn);
    let policies: string[];
    let maxSeconds = deps.maxDurationSeconds;
    if (role) {
      if (!trustAllows(role.trustPolicy, id))
        throw new QueryError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403);
      policies = role.permissions;
      maxSeconds = Math.min(maxSeconds, role.maxSessionDuration ?? 3600);
    } else {
      const names = claimValues(id.claims[id.provider.claimName]);
      policies = names.length ? await deps.policyDocuments(names) : [];
      if (policies.length === 0) {
        throw new QueryError(
          "AccessDenied",
          `Not authorized to perform sts:AssumeRoleWithWebIdentity: the token's ${id.provider.claimName} claim names no policy`,
          403,
        );
      }
    }
    const seconds = durationOf(params, maxSeconds);
    const subject = id.claims.sub;
    const issued = await issueSession(
      {
        parentUser: `oidc:${id.provider.name}:${subject}`,
        parentAccessKeyId: await roleIdOf(roleArn),
        roleArn,
        sessionName,
        policy,
        durationSeconds: seconds,
        now: deps.now?.(),
        federated: { provider: id.provider.name, issuer: id.provider.issuer, subject, policies },
      },
      await deps.currentTokenKey(),
    );
    const arn = assumedRoleArn(roleArn, sessionName, role?.account);
    identify({
      kind: "session",
      name: `oidc:${id.provider.name}:${subject}`,
      accessKeyId: issued.accessKeyId,
      session: {
        parentAccessKeyId: await roleIdOf(roleArn),
        roleArn,
        sessionName,
        arn,
        expiresAt: issued.expiration,
        federated: { provider: id.provider.name, issuer: id.provider.issuer, subject, policies: [] },
      },
    });
    return (
      credentialsXml(issued) +
      el("SubjectFromWebIdentityToken", subject) +
      `<AssumedRoleUser>${el("Arn", arn)}` +
      `${el("AssumedRoleId", `${await roleIdOf(roleArn)}:${sessionName}`)}</AssumedRoleUser>` +
      packedPolicyXml(policy) +
      el("Provider", id.provider.issuer) +
      el("Audience", id.audience)
    );
  };
}
