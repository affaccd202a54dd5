import { assumedRoleArn } from "../../auth/account.ts";
import { PolicyError, parsePolicy } from "../../auth/policy/index.ts";
import { issueSession } from "../../auth/session-issue.ts";
import type { TokenKey } from "../../auth/session-token.ts";
import { QueryError } from "./query-error.ts";
import { param, required } from "./query-params.ts";
import { el } from "./query-xml.ts";
import { durationOf, sessionPolicyText } from "./sts-params.ts";
import type { UnsignedQueryAction } from "./sts-web-identity.ts";

/** What the directory said about a user (see src/iam/ldap-login.ts). */
export type LdapLoginOutcome =
  | { ok: true; username: string; dn: string; policies: string[] }
  | { ok: false; reason: "not-configured" | "denied" | "no-policy" | "unavailable"; message: string };

export interface LdapIdentityDeps {
  login: (username: string, password: string) => Promise<LdapLoginOutcome>;
  currentTokenKey: () => Promise<TokenKey>;
  maxDurationSeconds: number;
  log?: (message: string) => void;
}

/** The role part of an LDAP session's ARN: `arn:aws:sts::<account>:assumed-role/ldap/<user>`. */
export const ldapRoleArn = "arn:aws:iam::000000000000:role/ldap";

function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * AssumeRoleWithLDAPIdentity, as MinIO has it: unsigned, the user's LDAP name and password in the
 * form; the session's rights are the policies mapped from its groups and policy attribute,
 * narrowed by an optional session Policy. Unknown user and bad password are one AccessDenied.
 */
export function assumeRoleWithLdapIdentity(deps: LdapIdentityDeps): UnsignedQueryAction {
  return async ({ params, identify }) => {
    const username = param(params, "LDAPUsername", required);
    const password = param(params, "LDAPPassword", required, { hideValue: true });
    const seconds = durationOf(params, deps.maxDurationSeconds);
    const policy = sessionPolicyText(params);
    if (policy !== undefined) {
      try {
        parsePolicy(policy, "session");
      } catch (e) {
        if (e instanceof PolicyError) throw new QueryError("MalformedPolicyDocument", e.message);
        throw e;
      }
    }
    const result = await deps.login(username, password);
    if (!result.ok) {
      deps.log?.(`LDAP login of ${username} refused: ${result.message}`);
      if (result.reason === "not-configured")
        throw new QueryError("InvalidParameterValue", "LDAP identity is not configured on this server.");
      if (result.reason === "unavailable")
        throw new QueryError(
          "InternalError",
          "The LDAP server could not be reached or refused the search.",
          500,
        );
      throw new QueryError(
        "AccessDenied",
        "Access denied: the LDAP user name or password is invalid, or it maps to no policy.",
        403,
      );
    }
    const issued = await issueSession(
      {
        parentUser: result.username,
        parentAccessKeyId: "ldap",
        roleArn: ldapRoleArn,
        sessionName: result.username,
        policy,
        policies: result.policies,
        ldapUserDn: result.dn,
        durationSeconds: seconds,
      },
      await deps.currentTokenKey(),
    );
    identify({
      kind: "session",
      name: result.username,
      accessKeyId: issued.accessKeyId,
      session: {
        parentAccessKeyId: "ldap",
        roleArn: ldapRoleArn,
        sessionName: result.username,
        arn: assumedRoleArn(ldapRoleArn, result.username),
        expiresAt: issued.expiration,
        policies: result.policies,
        ldapUserDn: result.dn,
      },
    });
    return (
      `<Credentials>${el("AccessKeyId", issued.accessKeyId)}${el("SecretAccessKey", issued.secretAccessKey)}` +
      `${el("SessionToken", issued.sessionToken)}${el("Expiration", isoSeconds(issued.expiration))}</Credentials>`
    );
  };
}
