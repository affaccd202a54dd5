/**
 * The POST policy of a browser upload: a base64 JSON document with an `expiration` and a list of
 * `conditions` (`{"field": "value"}`, `["eq", "$field", "value"]`, `["starts-with", "$field",
 * "prefix"]`, `["content-length-range", min, max]`) that the form's fields must meet, and that
 * must name every field of the form but the exempt ones. Errors and words as S3 answers them.
 */
import { S3Error } from "../errors.ts";

export type PolicyCondition =
  | { kind: "eq" | "starts-with"; field: string; value: string; text: string }
  | { kind: "content-length-range"; min: number; max: number };

export interface PostPolicy {
  expiration: Date;
  conditions: PolicyCondition[];
}

/** The object size a policy allows; undefined bounds are open. */
export interface SizeRange {
  min: number;
  max: number;
}

const invalid = (why: string) => new S3Error("InvalidPolicyDocument", `Invalid Policy: ${why}`);

const failed = (message: string) => new S3Error("AccessDenied", `Invalid according to Policy: ${message}`);

const quoted = (value: unknown) => JSON.stringify(value).replaceAll(",", ", ");

function decodePolicy(base64: string): unknown {
  let text: string;
  try {
    const binary = atob(base64.replace(/\s+/g, ""));
    text = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    throw invalid("Invalid Base64 encoding.");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw invalid("Invalid JSON.");
  }
}

function fieldOf(name: unknown, condition: unknown): string {
  if (typeof name !== "string" || !name.startsWith("$")) {
    throw invalid(`Invalid Condition: ${quoted(condition)}`);
  }
  return name.slice(1).toLowerCase();
}

function integerOf(value: unknown, condition: unknown): number {
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw invalid(`Invalid content-length-range: ${quoted(condition)}`);
  }
  return n;
}

function conditionOf(raw: unknown): PolicyCondition {
  if (Array.isArray(raw)) {
    const [op, a, b] = raw;
    const kind = typeof op === "string" ? op.toLowerCase() : "";
    if (raw.length !== 3) throw invalid(`Invalid Condition: ${quoted(raw)}`);
    if (kind === "content-length-range") {
      return { kind, min: integerOf(a, raw), max: integerOf(b, raw) };
    }
    if ((kind === "eq" || kind === "starts-with") && typeof b === "string") {
      return { kind, field: fieldOf(a, raw), value: b, text: quoted([op, a, b]) };
    }
    throw invalid(`Invalid Condition: ${quoted(raw)}`);
  }
  if (raw !== null && typeof raw === "object") {
    const entries = Object.entries(raw);
    const [entry] = entries;
    if (entries.length !== 1 || !entry || typeof entry[1] !== "string") {
      throw invalid(`Invalid Simple-Condition: ${quoted(raw)}`);
    }
    const [name, value] = entry;
    return { kind: "eq", field: name.toLowerCase(), value, text: quoted(["eq", `$${name}`, value]) };
  }
  throw invalid(`Invalid Condition: ${quoted(raw)}`);
}

/** Parses the base64 `policy` field; InvalidPolicyDocument when it is not a policy. */
export function parsePostPolicy(base64: string): PostPolicy {
  const doc = decodePolicy(base64);
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw invalid("Invalid JSON.");
  const { expiration, conditions } = doc as Record<string, unknown>;
  if (expiration === undefined) throw invalid("Policy missing expiration.");
  const expires =
    typeof expiration === "string" && /^\d{4}-\d\d-\d\dT/.test(expiration) ? new Date(expiration) : undefined;
  if (!expires || Number.isNaN(expires.getTime())) {
    throw invalid(`Invalid 'expiration' value: '${String(expiration)}'`);
  }
  if (conditions === undefined) throw invalid("Policy missing conditions.");
  if (!Array.isArray(conditions)) throw invalid("Invalid 'conditions' value: must be a list.");
  return { expiration: expires, conditions: conditions.map(conditionOf) };
}

function holds(condition: PolicyCondition & { kind: "eq" | "starts-with" }, value: string): boolean {
  if (condition.kind === "eq") return value === condition.value;
  // S3 tests each type of a Content-Type list on its own.
  if (condition.field === "content-type") {
    return value.split(",").every((type) => type.trim().startsWith(condition.value));
  }
  return value.startsWith(condition.value);
}

export interface PolicyInput {
  /** Every field of the form before the file, names as sent. */
  fields: readonly { name: string; value: string }[];
  /** The bucket the form was posted to (the `bucket` condition). */
  bucket: string;
  /** Lower-case names that need no condition (the signature, the policy, the file). */
  exempt: ReadonlySet<string>;
  /** The file's name, which `${filename}` in the key stands for. */
  filename: string;
  now: Date;
}

/** A key condition holds for the key field as sent or for the key its `${filename}` makes. */
function keyHolds(
  condition: PolicyCondition & { kind: "eq" | "starts-with" },
  key: string,
  filename: string,
) {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's own ${filename} variable
  return holds(condition, key) || holds(condition, key.replaceAll("${filename}", filename));
}

/**
 * Checks the expiration, each condition, then that every field is named by one; returns the
 * size range of the file (content-length-range), checked while the file streams.
 */
export function checkPostPolicy(policy: PostPolicy, input: PolicyInput): SizeRange {
  if (input.now.getTime() > policy.expiration.getTime()) throw failed("Policy expired.");
  const values = new Map<string, string>([["bucket", input.bucket]]);
  for (const { name, value } of input.fields) {
    const lower = name.toLowerCase();
    if (!values.has(lower)) values.set(lower, value);
  }
  const range: SizeRange = { min: 0, max: Number.MAX_SAFE_INTEGER };
  const named = new Set<string>();
  for (const condition of policy.conditions) {
    if (condition.kind === "content-length-range") {
      range.min = Math.max(range.min, condition.min);
      range.max = Math.min(range.max, condition.max);
      continue;
    }
    named.add(condition.field);
    const value = values.get(condition.field) ?? "";
    const held =
      condition.field === "key" ? keyHolds(condition, value, input.filename) : holds(condition, value);
    if (!held) {
      throw failed(`Policy Condition failed: ${condition.text}`);
    }
  }
  const extra = input.fields
    .map((f) => f.name)
    .filter((name) => {
      const lower = name.toLowerCase();
      return !named.has(lower) && !input.exempt.has(lower) && !lower.startsWith("x-ignore-");
    });
  if (extra.length > 0) throw failed(`Extra input fields: ${extra.join(", ")}`);
  return range;
}
