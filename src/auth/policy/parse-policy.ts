/**
 * Parses and validates a policy document when it is saved: every problem is a PolicyError
 * (MalformedPolicy) naming the path and the reason, so nothing is rejected at request time.
 */
import { isKnownActionPattern } from "./actions.ts";
import { invalidValue, operators } from "./condition-operators.ts";
import {
  type ConditionClause,
  type Effect,
  type Policy,
  PolicyError,
  type PolicyKind,
  type PrincipalSet,
  type SetQualifier,
  type Statement,
} from "./types.ts";

type Json = Record<string, unknown>;

const topKeys = new Set(["Version", "Id", "Statement"]);
const statementKeys = new Set([
  "Sid",
  "Effect",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Principal",
  "NotPrincipal",
  "Condition",
]);

const fail = (path: string, problem: string): never => {
  throw new PolicyError(`${path}: ${problem}`);
};

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function stringList(value: unknown, path: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) fail(path, "must not be an empty list");
  return list.map((item, i) =>
    typeof item === "string" && item !== ""
      ? item
      : fail(Array.isArray(value) ? `${path}[${i}]` : path, "must be a non-empty string"),
  );
}

function pair<T>(
  s: Json,
  a: string,
  b: string,
  path: string,
  required: boolean,
  read: (v: unknown, p: string) => T,
) {
  const hasA = a in s;
  const hasB = b in s;
  if (hasA && hasB) fail(path, `has both ${a} and ${b}`);
  if (required && !hasA && !hasB) fail(path, `needs ${a} or ${b}`);
  return {
    positive: hasA ? read(s[a], `${path}.${a}`) : undefined,
    negative: hasB ? read(s[b], `${path}.${b}`) : undefined,
  };
}

function actions(value: unknown, path: string): string[] {
  const list = stringList(value, path);
  for (const action of list) {
    if (action === "*") continue;
    if (!/^[a-zA-Z0-9*?-]+:[a-zA-Z0-9*?]+$/.test(action))
      fail(path, `"${action}" is not of the form service:Action`);
    if (!isKnownActionPattern(action)) fail(path, `unknown action "${action}"`);
  }
  return list;
}

const s3Arn = /^arn:aws:s3:::[^/]+(\/.*)?$/;
const iamArn = /^arn:aws:(iam|sts)::[0-9*?]*:.+$/;

function resources(value: unknown, path: string): string[] {
  const list = stringList(value, path);
  for (const r of list) {
    if (r !== "*" && !s3Arn.test(r) && !iamArn.test(r))
      fail(path, `"${r}" is not "*" or an ARN of the form arn:aws:s3:::bucket[/key]`);
  }
  return list;
}

const principalArn = /^(\*|\d{12}|arn:aws:iam::\d{12}:(root|user\/.+)|arn:aws:sts::\d{12}:assumed-role\/.+)$/;

/** Principals of bucket policies (AWS only) and of trust policies (AWS and Federated). */
function principalsOf(kind: PolicyKind) {
  return (value: unknown, path: string): PrincipalSet => principals(value, path, kind === "trust");
}

function principals(value: unknown, path: string, federatedAllowed: boolean): PrincipalSet {
  if (value === "*") return { any: true };
  if (!isObject(value)) return fail(path, 'must be "*" or {"AWS": ...}');
  for (const key of Object.keys(value)) {
    if (key !== "AWS" && !(federatedAllowed && key === "Federated"))
      fail(
        `${path}.${key}`,
        federatedAllowed
          ? "unsupported principal type (AWS or Federated)"
          : "unsupported principal type (only AWS)",
      );
  }
  if (!("AWS" in value) && !(federatedAllowed && "Federated" in value))
    fail(path, federatedAllowed ? 'needs "AWS" or "Federated"' : 'needs "AWS"');
  const arns = "AWS" in value ? stringList(value.AWS, `${path}.AWS`) : [];
  for (const arn of arns) {
    if (!principalArn.test(arn))
      fail(`${path}.AWS`, `"${arn}" is not "*", an account id, or a user/root ARN`);
  }
  if (arns.includes("*")) return { any: true };
  // A web identity provider (an OIDC issuer) is checked by AssumeRoleWithWebIdentity itself
  // (iam/oidc-trust.ts); here it is a principal no signed caller ever is.
  const federated =
    "Federated" in value ? stringList(value.Federated, `${path}.Federated`).map((f) => `federated:${f}`) : [];
  // A bare account id means that account's root.
  return {
    any: false,
    arns: [...arns.map((a) => (/^\d{12}$/.test(a) ? `arn:aws:iam::${a}:root` : a)), ...federated],
  };
}

function conditionValues(value: unknown, path: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) fail(path, "must not be an empty list");
  return list.map((item, i) => {
    if (typeof item === "string") return item;
    if (typeof item === "number" || typeof item === "boolean") return String(item);
    return fail(Array.isArray(value) ? `${path}[${i}]` : path, "must be a string, number or boolean");
  });
}

function conditions(value: unknown, path: string): ConditionClause[] {
  if (!isObject(value)) return fail(path, "must be an object of operators");
  const clauses: ConditionClause[] = [];
  for (const [name, block] of Object.entries(value)) {
    const opPath = `${path}.${name}`;
    const m = /^(?:(ForAnyValue|ForAllValues):)?(.+?)(IfExists)?$/.exec(name);
    const base = m?.[2] ?? "";
    const spec = operators[base];
    if (!m || !spec) {
      fail(opPath, `unknown condition operator "${name}"`);
      continue;
    }
    if (spec.family === "Null" && (m[3] || m[1])) fail(opPath, "Null takes no IfExists or set qualifier");
    if (!isObject(block) || Object.keys(block).length === 0)
      fail(opPath, "must be a non-empty object of condition keys");
    for (const [key, raw] of Object.entries(block as Json)) {
      const keyPath = `${opPath}.${key}`;
      const values = conditionValues(raw, keyPath);
      for (const v of values) {
        const why = invalidValue(spec.family, v);
        if (why) fail(keyPath, `value "${v}" ${why}`);
      }
      clauses.push({
        operator: base,
        ...(m[1] ? { qualifier: m[1] as SetQualifier } : {}),
        ifExists: m[3] !== undefined,
        key,
        values,
      });
    }
  }
  return clauses;
}

function statement(raw: unknown, path: string, kind: PolicyKind): Statement {
  if (!isObject(raw)) return fail(path, "must be an object");
  for (const key of Object.keys(raw)) if (!statementKeys.has(key)) fail(`${path}.${key}`, "unknown key");
  if (raw.Sid !== undefined && typeof raw.Sid !== "string") fail(`${path}.Sid`, "must be a string");
  if (raw.Effect !== "Allow" && raw.Effect !== "Deny") fail(`${path}.Effect`, 'must be "Allow" or "Deny"');
  const action = pair(raw, "Action", "NotAction", path, true, actions);
  const resource = pair(
    raw,
    "Resource",
    "NotResource",
    path,
    kind === "identity" || kind === "bucket",
    resources,
  );
  const withPrincipal = kind === "bucket" || kind === "trust";
  const principal = pair(raw, "Principal", "NotPrincipal", path, withPrincipal, principalsOf(kind));
  if (!withPrincipal && (principal.positive || principal.negative))
    fail(path, `Principal/NotPrincipal is only allowed in bucket policies, not in ${kind} policies`);
  const st: Statement = {
    effect: raw.Effect as Effect,
    conditions: raw.Condition === undefined ? [] : conditions(raw.Condition, `${path}.Condition`),
  };
  if (typeof raw.Sid === "string") st.sid = raw.Sid;
  if (action.positive) st.action = action.positive;
  if (action.negative) st.notAction = action.negative;
  if (resource.positive) st.resource = resource.positive;
  if (resource.negative) st.notResource = resource.negative;
  if (principal.positive) st.principal = principal.positive;
  if (principal.negative) st.notPrincipal = principal.negative;
  return st;
}

/** A Condition block on its own (a role's trust policy checks one against a token's claims). */
export function parseConditionBlock(value: unknown, path = "Condition"): ConditionClause[] {
  return conditions(value, path);
}

export function parsePolicy(json: string | unknown, kind: PolicyKind): Policy {
  let doc: unknown = json;
  if (typeof json === "string") {
    try {
      doc = JSON.parse(json);
    } catch (e) {
      throw new PolicyError(`policy: invalid JSON (${(e as Error).message})`);
    }
  }
  if (!isObject(doc)) return fail("policy", "must be a JSON object");
  for (const key of Object.keys(doc)) if (!topKeys.has(key)) fail(key, "unknown top-level key");
  if (doc.Version !== "2012-10-17" && doc.Version !== "2008-10-17")
    fail("Version", 'must be "2012-10-17" or "2008-10-17"');
  if (doc.Id !== undefined && typeof doc.Id !== "string") fail("Id", "must be a string");
  if (doc.Statement === undefined) fail("Statement", "is missing");
  const raw = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  if (raw.length === 0) fail("Statement", "must not be empty");
  const multi = Array.isArray(doc.Statement);
  const policy: Policy = {
    version: doc.Version as Policy["version"],
    kind,
    statements: raw.map((s, i) => statement(s, multi ? `Statement[${i}]` : "Statement", kind)),
  };
  if (typeof doc.Id === "string") policy.id = doc.Id;
  return policy;
}
