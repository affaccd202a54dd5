import { conditionsHold } from "../auth/policy/conditions.ts";
import { type ConditionClause, parseConditionBlock } from "../auth/policy/index.ts";
import type { VerifiedWebIdentity } from "./oidc-providers.ts";

const action = "sts:AssumeRoleWithWebIdentity";

function list(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((x): x is string => typeof x === "string") : [];
}

function wildcard(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`, "i").test(value);
}

/** The provider as trust policies name it: the issuer without its scheme (`host/path`). */
export function issuerKey(issuer: string): string {
  return issuer.replace(/^https?:\/\//, "").replace(/\/$/, "");
}

/** The condition keys a token offers a trust policy: `<issuer>:aud`, `:sub`, `:amr` and its other claims. */
export function webIdentityConditionKeys(id: VerifiedWebIdentity): Record<string, readonly string[]> {
  const host = issuerKey(id.provider.issuer);
  const keys: Record<string, readonly string[]> = {};
  for (const [claim, value] of Object.entries(id.claims)) {
    const values = Array.isArray(value)
      ? value.map(String)
      : typeof value === "object"
        ? []
        : [String(value)];
    if (values.length) keys[`${host}:${claim}`.toLowerCase()] = values;
  }
  keys[`${host}:aud`] = [id.audience];
  keys[`${host}:oaud`] = list(id.claims.aud);
  keys["aws:federatedprovider"] = [host];
  return keys;
}

function principalMatches(principal: unknown, host: string): boolean {
  if (principal === "*") return true;
  if (typeof principal !== "object" || principal === null) return false;
  return list((principal as Record<string, unknown>).Federated).some(
    (p) => p === "*" || p === host || /^arn:aws:iam::\d{12}:oidc-provider\/(.+)$/.exec(p)?.[1] === host,
  );
}

/**
 * Whether a role's trust policy lets this web identity assume the role: an Allow statement for
 * sts:AssumeRoleWithWebIdentity whose Federated principal is the token's provider and whose
 * conditions the token's claims meet, and no such Deny. A malformed trust policy trusts nobody.
 */
export function trustAllows(trustPolicy: string, id: VerifiedWebIdentity): boolean {
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(trustPolicy);
  } catch {
    return false;
  }
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const host = issuerKey(id.provider.issuer);
  const keys = webIdentityConditionKeys(id);
  const lookup = (key: string) => keys[key.toLowerCase()];
  let allowed = false;
  for (const raw of statements) {
    if (typeof raw !== "object" || raw === null) return false;
    const st = raw as Record<string, unknown>;
    if (!list(st.Action).some((a) => wildcard(a, action))) continue;
    if (!principalMatches(st.Principal, host)) continue;
    let clauses: ConditionClause[];
    try {
      clauses = st.Condition === undefined ? [] : parseConditionBlock(st.Condition);
    } catch {
      return false;
    }
    if (!conditionsHold(clauses, lookup, false)) continue;
    if (st.Effect === "Deny") return false;
    if (st.Effect === "Allow") allowed = true;
  }
  return allowed;
}
