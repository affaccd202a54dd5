import { accountOf, assumedRoleArn, rootArn, userArn } from "../../auth/account.ts";
import { PolicyError, parsePolicy } from "../../auth/policy/index.ts";
import { type IssuedSession, issueSession } from "../../auth/session-issue.ts";
import type { TokenKey } from "../../auth/session-token.ts";
import type { QueryAction, QueryContext } from "./query-action.ts";
import { QueryError } from "./query-error.ts";
import { param } from "./query-params.ts";
import { el } from "./query-xml.ts";
import {
  durationOf,
  maxSessionPolicyChars,
  roleArnParam,
  roleSessionNameParam,
  sessionPolicyText,
} from "./sts-params.ts";

export interface StsDeps {
  /** The key that seals new session tokens. */
  currentTokenKey: () => Promise<TokenKey>;
  /** Upper bound of DurationSeconds on this server (900 … 43200). */
  maxDurationSeconds: number;
  now?: () => number;
}

/** The session policy, checked here so that a bad one is refused before a token is issued. */
export function sessionPolicyOf(params: URLSearchParams): string | undefined {
  const policy = sessionPolicyText(params);
  if (policy === undefined) return undefined;
  try {
    parsePolicy(policy, "session");
  } catch (e) {
    if (e instanceof PolicyError) throw new QueryError("MalformedPolicyDocument", e.message);
    throw e;
  }
  return policy;
}

function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** The <Credentials> of an STS answer. */
export function credentialsXml(issued: IssuedSession): string {
  return (
    `<Credentials>${el("AccessKeyId", issued.accessKeyId)}${el("SecretAccessKey", issued.secretAccessKey)}` +
    `${el("SessionToken", issued.sessionToken)}${el("Expiration", isoSeconds(issued.expiration))}</Credentials>`
  );
}

/** <PackedPolicySize>: the session policy's share of its allowed size, in percent. */
export function packedPolicyXml(policy: string | undefined): string {
  return policy === undefined
    ? ""
    : el("PackedPolicySize", Math.ceil((policy.length / maxSessionPolicyChars) * 100));
}

/** AssumeRole: temporary credentials with the caller's rights, narrowed by an optional session policy. */
export function assumeRole(deps: StsDeps): QueryAction {
  return async ({ params, auth }: QueryContext) => {
    const { principal } = auth;
    if (principal.kind === "session") {
      throw new QueryError(
        "AccessDenied",
        "Temporary credentials cannot assume a role; use long-term keys.",
        403,
      );
    }
    const roleArn = param(params, "RoleArn", roleArnParam);
    const sessionName = param(params, "RoleSessionName", roleSessionNameParam);
    for (const name of params.keys()) {
      if (name.startsWith("PolicyArns.")) {
        throw new QueryError(
          "InvalidParameterValue",
          "Managed session policies (PolicyArns) are not supported; pass the session policy inline in Policy.",
        );
      }
    }
    const seconds = durationOf(params, deps.maxDurationSeconds);
    const policy = sessionPolicyOf(params);
    const issued = await issueSession(
      {
        parentUser: principal.name,
        parentAccessKeyId: principal.accessKeyId,
        roleArn,
        sessionName,
        policy,
        durationSeconds: seconds,
        now: deps.now?.(),
      },
      await deps.currentTokenKey(),
    );
    return (
      credentialsXml(issued) +
      `<AssumedRoleUser>${el("Arn", assumedRoleArn(roleArn, sessionName, accountOf(principal)))}` +
      `${el("AssumedRoleId", `${principal.accessKeyId}:${sessionName}`)}</AssumedRoleUser>${packedPolicyXml(policy)}`
    );
  };
}

/** GetCallerIdentity: who the credentials of the request belong to. */
export const getCallerIdentity: QueryAction = async ({ auth }) => {
  const { principal } = auth;
  const session = principal.session;
  const account = accountOf(principal);
  const arn = session
    ? session.arn
    : principal.kind === "root"
      ? rootArn(account)
      : userArn(principal.name, account);
  const userId = session
    ? `${session.parentAccessKeyId}:${session.sessionName}`
    : principal.kind === "root"
      ? account
      : principal.name;
  return `${el("Arn", arn)}${el("UserId", userId)}${el("Account", account)}`;
};
