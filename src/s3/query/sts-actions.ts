import { accountOf, assumedRoleArn, rootArn, userArn } from "../../auth/account.ts";
import { evaluate, PolicyError, parsePolicy, type RequestContext } from "../../auth/policy/index.ts";
import { type IssuedSession, issueSession } from "../../auth/session-issue.ts";
import type { TokenKey } from "../../auth/session-token.ts";
import type { Principal } from "../../auth/types.ts";
import { stableId } from "../../iam/iam-admin-service.ts";
import type { ResolvedRole } from "../../iam/role-directory.ts";
import type { QueryAction, QueryContext } from "./query-action.ts";
import { QueryError } from "./query-error.ts";
import { param } from "./query-params.ts";
import { el } from "./query-xml.ts";
import {
  durationOf,
  maxSessionPolicyChars,
  refusePolicyArns,
  roleArnParam,
  roleSessionNameParam,
  type SessionTags,
  sessionPolicyText,
  sessionTagsOf,
} from "./sts-params.ts";

export interface StsDeps {
  /** The key that seals new session tokens. */
  currentTokenKey: () => Promise<TokenKey>;
  /** Upper bound of DurationSeconds on this server (900 … 43200). */
  maxDurationSeconds: number;
  now?: () => number;
  /** A stored role by its ARN; absent or undefined: the ARN names no role. */
  roleByArn?: (arn: string) => Promise<ResolvedRole | undefined>;
  /**
   * Whether the caller's own identity policies allow the request (a trust policy that names the
   * caller's account delegates to them, as in AWS).
   */
  callerAllows?: (principal: Principal, context: RequestContext) => Promise<boolean>;
  /** `--sts-strict-roles`: an ARN that names no stored role is refused instead of giving the caller's rights. */
  strictRoles?: boolean;
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
function notAuthorized(callerArn: string, action: string, roleArn: string): QueryError {
  return new QueryError(
    "AccessDenied",
    `User: ${callerArn} is not authorized to perform: ${action} on resource: ${roleArn}`,
    403,
  );
}

/** The trust policy decides: it names the caller (or its account, whose policies must then allow). */
async function trusts(
  deps: StsDeps,
  role: ResolvedRole,
  principal: Principal,
  action: string,
  tags: SessionTags,
): Promise<boolean> {
  const account = accountOf(principal);
  const isRoot = principal.kind === "root";
  const context: RequestContext = {
    action,
    resource: role.arn,
    principal: {
      type: isRoot ? "root" : "user",
      arn: isRoot ? rootArn(account) : userArn(principal.name, account),
      ...(isRoot ? {} : { username: principal.name, userid: principal.name }),
      accountId: account,
    },
    conditionKeys: {
      ...(isRoot ? {} : { "aws:username": principal.name }),
      ...Object.fromEntries(Object.entries(tags.tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
      ...(Object.keys(tags.tags).length > 0 ? { "aws:TagKeys": Object.keys(tags.tags) } : {}),
    },
  };
  const result = evaluate({ identity: [], bucket: role.trust }, context);
  if (result.decision === "Allow") return true;
  if (result.decision === "Deny" || !result.accountGranted) return false;
  return isRoot || ((await deps.callerAllows?.(principal, context)) ?? false);
}

/**
 * AssumeRole. With the ARN of a stored role of the caller's account: its trust policy must trust
 * the caller, and the session gets the role's permissions (narrowed by a session policy). With an
 * ARN that names no role: the caller's own rights, narrowed by a session policy, unless strict.
 */
export function assumeRole(deps: StsDeps): QueryAction {
  return async ({ params, auth }: QueryContext) => {
    const { principal } = auth;
    if (principal.kind === "session" || principal.serviceAccount) {
      throw new QueryError(
        "AccessDenied",
        "Temporary credentials and service accounts cannot assume a role; use a user's own keys.",
        403,
      );
    }
    const roleArn = param(params, "RoleArn", roleArnParam);
    const sessionName = param(params, "RoleSessionName", roleSessionNameParam);
    refusePolicyArns(params);
    const tags = sessionTagsOf(params);
    const account = accountOf(principal);
    const callerArn = principal.kind === "root" ? rootArn(account) : userArn(principal.name, account);
    const found = await deps.roleByArn?.(roleArn);
    const role = found?.account === account ? found : undefined;
    if (!role && deps.strictRoles) throw notAuthorized(callerArn, "sts:AssumeRole", roleArn);
    if (role) {
      if (!(await trusts(deps, role, principal, "sts:AssumeRole", tags)))
        throw notAuthorized(callerArn, "sts:AssumeRole", roleArn);
      if (Object.keys(tags.tags).length > 0 && !(await trusts(deps, role, principal, "sts:TagSession", tags)))
        throw notAuthorized(callerArn, "sts:TagSession", roleArn);
    }
    const seconds = durationOf(params, deps.maxDurationSeconds, role?.record.maxSessionDuration);
    const policy = sessionPolicyOf(params);
    const issued = await issueSession(
      {
        parentUser: principal.name,
        parentAccessKeyId: principal.accessKeyId,
        roleArn,
        sessionName,
        policy,
        roleSession: role !== undefined,
        tags: tags.tags,
        transitiveTagKeys: tags.transitiveTagKeys,
        durationSeconds: seconds,
        now: deps.now?.(),
      },
      await deps.currentTokenKey(),
    );
    const assumedId = role ? roleSessionId(role, sessionName) : `${principal.accessKeyId}:${sessionName}`;
    return (
      credentialsXml(issued) +
      `<AssumedRoleUser>${el("Arn", assumedRoleArn(roleArn, sessionName, account))}` +
      `${el("AssumedRoleId", assumedId)}</AssumedRoleUser>${packedPolicyXml(policy)}`
    );
  };
}

/** The AssumedRoleId of a stored role's session: AROA…:<session>. */
function roleSessionId(role: ResolvedRole, sessionName: string): string {
  return `${stableId("AROA", `role:${role.record.name}:${role.record.created}`)}:${sessionName}`;
}

/**
 * GetCallerIdentity: who the credentials of the request belong to. A session of a stored role
 * has the role's id in its UserId, as AssumeRole answered (when roleByArn is given).
 */
export function callerIdentity(deps: Pick<StsDeps, "roleByArn"> = {}): QueryAction {
  return async ({ auth }) => {
    const { principal } = auth;
    const session = principal.session;
    const account = accountOf(principal);
    const arn = session
      ? session.arn
      : principal.kind === "root"
        ? rootArn(account)
        : userArn(principal.name, account);
    const role = session?.role ? await deps.roleByArn?.(session.roleArn) : undefined;
    const userId = session
      ? role
        ? roleSessionId(role, session.sessionName)
        : `${session.parentAccessKeyId}:${session.sessionName}`
      : principal.kind === "root"
        ? account
        : principal.name;
    return `${el("Arn", arn)}${el("UserId", userId)}${el("Account", account)}`;
  };
}

/** GetCallerIdentity without role lookups. */
export const getCallerIdentity: QueryAction = callerIdentity();
