/**
 * Policy evaluation, AWS semantics: an explicit Deny in any policy wins; otherwise Allow when an
 * identity policy allows (and the session policy, if any, allows too: identity ∩ session) or the
 * bucket policy allows for this principal; otherwise ImplicitDeny.
 *
 * The bucket policy's Allow is not narrowed by the session policy: it must name the session's own
 * ARN or "*" (which anonymous callers get anyway), as for a role session in AWS.
 * The evaluator compares strings only: the caller builds `resource` from the NORMALIZED key, and
 * short-circuits admin/root before calling if it wants to (root is not special here).
 */
import { actionMatches } from "./actions.ts";
import { conditionsHold } from "./conditions.ts";
import type {
  EvaluationResult,
  Policy,
  PolicySet,
  PrincipalSet,
  RequestContext,
  Statement,
} from "./types.ts";
import { expandTemplate, type KeyLookup } from "./variables.ts";
import { matchPattern } from "./wildcard.ts";

const principalTypes = {
  root: "Account",
  user: "User",
  session: "AssumedRole",
  anonymous: "Anonymous",
} as const;

function keyLookup(request: RequestContext): KeyLookup {
  const keys = new Map<string, readonly string[]>();
  const p = request.principal;
  const derived: [string, string | undefined][] = [
    ["aws:username", p.username],
    ["aws:userid", p.userid],
    ["aws:PrincipalType", principalTypes[p.type]],
    ["aws:PrincipalArn", p.type === "anonymous" ? undefined : p.arn],
    ["aws:PrincipalAccount", p.accountId],
  ];
  for (const [k, v] of derived) if (v !== undefined) keys.set(k.toLowerCase(), [v]);
  for (const [k, v] of Object.entries(request.conditionKeys)) {
    if (v !== undefined) keys.set(k.toLowerCase(), typeof v === "string" ? [v] : v);
  }
  return (key) => keys.get(key.toLowerCase());
}

/**
 * Whether a statement's principals name the caller: "self" (its own ARN, "*", or, for an account's
 * root, its account), "account" (its account, as `arn:aws:iam::<id>:root` or the bare id), or not
 * at all. Naming an account delegates to it, as in AWS: a Deny applies to all its identities, but
 * an Allow grants them nothing by itself; their own identity policies must allow the request.
 */
function principalIn(set: PrincipalSet, request: RequestContext): "self" | "account" | undefined {
  if (set.any) return "self";
  const p = request.principal;
  if (p.type === "anonymous") return undefined;
  if (set.arns.includes(p.arn)) return "self";
  const account = p.accountId;
  if (account === undefined) return undefined;
  if (!set.arns.includes(account) && !set.arns.includes(`arn:aws:iam::${account}:root`)) return undefined;
  return p.type === "root" ? "self" : "account";
}

function resourceIn(templates: readonly string[], request: RequestContext, lookup: KeyLookup, vars: boolean) {
  return templates.some((t) => {
    const pattern = expandTemplate(t, lookup, vars, true);
    return pattern !== undefined && matchPattern(pattern, request.resource);
  });
}

/** How a statement applies to the request: false, or whom its principal named (see principalIn). */
function statementApplies(
  st: Statement,
  request: RequestContext,
  lookup: KeyLookup,
  vars: boolean,
): false | "self" | "account" {
  if (st.action && !st.action.some((a) => actionMatches(a, request.action))) return false;
  if (st.notAction?.some((a) => actionMatches(a, request.action))) return false;
  if (st.resource && !resourceIn(st.resource, request, lookup, vars)) return false;
  if (st.notResource && resourceIn(st.notResource, request, lookup, vars)) return false;
  const named = st.principal ? principalIn(st.principal, request) : "self";
  if (!named) return false;
  if (st.notPrincipal && principalIn(st.notPrincipal, request)) return false;
  return conditionsHold(st.conditions, lookup, vars) ? named : false;
}

/** delegated: an Allow that names the caller's account, not the caller. */
type Match = { effect: "Allow" | "Deny"; label: string; delegated: boolean };

function matches(policy: Policy, label: string, request: RequestContext, lookup: KeyLookup): Match[] {
  const vars = policy.version === "2012-10-17";
  const out: Match[] = [];
  policy.statements.forEach((st, i) => {
    const named = statementApplies(st, request, lookup, vars);
    if (named)
      out.push({ effect: st.effect, label: `${label}:${st.sid ?? `#${i}`}`, delegated: named === "account" });
  });
  return out;
}

export function evaluate(policies: PolicySet, request: RequestContext): EvaluationResult {
  const lookup = keyLookup(request);
  const identity = policies.identity.flatMap((p, i) => matches(p, `identity[${i}]`, request, lookup));
  const bucket = policies.bucket ? matches(policies.bucket, "bucket", request, lookup) : [];
  const session = policies.session ? matches(policies.session, "session", request, lookup) : [];
  const deny = [...identity, ...bucket, ...session].find((m) => m.effect === "Deny");
  if (deny) return { decision: "Deny", matched: deny.label };
  const identityAllow = identity.find((m) => m.effect === "Allow");
  const sessionAllow = policies.session ? session.find((m) => m.effect === "Allow") : identityAllow;
  if (identityAllow && sessionAllow) return { decision: "Allow", matched: identityAllow.label };
  const bucketAllow = bucket.find((m) => m.effect === "Allow" && !m.delegated);
  if (bucketAllow) return { decision: "Allow", matched: bucketAllow.label };
  const delegated = bucket.find((m) => m.effect === "Allow");
  if (delegated) return { decision: "ImplicitDeny", matched: delegated.label, accountGranted: true };
  return { decision: "ImplicitDeny" };
}
