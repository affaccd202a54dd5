import { accountId, assumedRoleArn, userArn } from "../../auth/account.ts";
import { PolicyError, parsePolicy } from "../../auth/policy/index.ts";
import { issueSession } from "../../auth/session-issue.ts";
import type { TokenKey } from "../../auth/session-token.ts";
import { type QueryAction, type QueryContext, requiredParam } from "./query-action.ts";
import { QueryError } from "./query-error.ts";
import { el } from "./query-xml.ts";

export const minSessionSeconds = 900;
export const maxSessionSeconds = 43_200;
const defaultSessionSeconds = 3600;
const maxSessionPolicyChars = 2048;

export interface StsDeps {
  /** The key that seals new session tokens. */
  currentTokenKey: () => Promise<TokenKey>;
  /** Upper bound of DurationSeconds on this server (900 … 43200). */
  maxDurationSeconds: number;
  now?: () => number;
}

function validation(field: string, value: string, constraint: string): QueryError {
  return new QueryError(
    "ValidationError",
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

function durationOf(params: URLSearchParams, max: number): number {
  const raw = params.get("DurationSeconds");
  if (raw === null) return Math.min(defaultSessionSeconds, max);
  if (!/^\d{1,9}$/.test(raw)) throw validation("durationSeconds", raw, "Member must be an integer");
  const seconds = Number(raw);
  if (seconds < minSessionSeconds)
    throw validation(
      "durationSeconds",
      raw,
      `Member must have value greater than or equal to ${minSessionSeconds}`,
    );
  if (seconds > maxSessionSeconds)
    throw validation(
      "durationSeconds",
      raw,
      `Member must have value less than or equal to ${maxSessionSeconds}`,
    );
  if (seconds > max) {
    throw new QueryError(
      "ValidationError",
      `The requested DurationSeconds exceeds the MaxSessionDuration set for this role (${max} seconds).`,
    );
  }
  return seconds;
}

function sessionPolicyOf(params: URLSearchParams): string | undefined {
  const policy = params.get("Policy");
  if (policy === null) return undefined;
  if (policy.length < 1 || policy.length > maxSessionPolicyChars) {
    throw validation("policy", "...", `Member must have length between 1 and ${maxSessionPolicyChars}`);
  }
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
    const roleArn = requiredParam(params, "RoleArn");
    if (roleArn.length < 20 || roleArn.length > 2048 || !roleArn.startsWith("arn:")) {
      throw validation("roleArn", roleArn, "Member must be an ARN of length between 20 and 2048");
    }
    const sessionName = requiredParam(params, "RoleSessionName");
    if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
      throw validation(
        "roleSessionName",
        sessionName,
        "Member must satisfy regular expression pattern: [\\w+=,.@-]{2,64}",
      );
    }
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
    const packed =
      policy === undefined
        ? ""
        : el("PackedPolicySize", Math.ceil((policy.length / maxSessionPolicyChars) * 100));
    return (
      `<Credentials>${el("AccessKeyId", issued.accessKeyId)}${el("SecretAccessKey", issued.secretAccessKey)}` +
      `${el("SessionToken", issued.sessionToken)}${el("Expiration", isoSeconds(issued.expiration))}</Credentials>` +
      `<AssumedRoleUser>${el("Arn", assumedRoleArn(roleArn, sessionName))}` +
      `${el("AssumedRoleId", `${principal.accessKeyId}:${sessionName}`)}</AssumedRoleUser>${packed}`
    );
  };
}

/** GetCallerIdentity: who the credentials of the request belong to. */
export const getCallerIdentity: QueryAction = async ({ auth }) => {
  const { principal } = auth;
  const session = principal.session;
  const arn = session
    ? session.arn
    : principal.kind === "root"
      ? `arn:aws:iam::${accountId}:root`
      : userArn(principal.name);
  const userId = session
    ? `${session.parentAccessKeyId}:${session.sessionName}`
    : principal.kind === "root"
      ? accountId
      : principal.name;
  return `${el("Arn", arn)}${el("UserId", userId)}${el("Account", accountId)}`;
};
