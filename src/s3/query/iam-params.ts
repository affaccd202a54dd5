import { accountId } from "../../auth/account.ts";
import { requiredParam } from "./query-action.ts";
import { QueryError } from "./query-error.ts";

const namePattern = /^[\w+=,.@-]+$/;

/** An IAM ValidationError worded as AWS words it. */
export function validationError(field: string, value: string, constraint: string): QueryError {
  return new QueryError(
    "ValidationError",
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

function fieldOf(param: string): string {
  return `${param[0]!.toLowerCase()}${param.slice(1)}`;
}

/** Checks a user or policy name: 1…max of letters, digits and `+=,.@_-`. */
export function checkName(param: string, value: string, max: number): string {
  const field = fieldOf(param);
  if (value.length < 1 || value.length > max)
    throw validationError(field, value, `Member must have length between 1 and ${max}`);
  if (!namePattern.test(value))
    throw validationError(field, value, "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
  return value;
}

export function requiredName(params: URLSearchParams, param: string, max: number): string {
  return checkName(param, requiredParam(params, param), max);
}

/** An optional name parameter, or the fallback (the caller's own user name) when absent. */
export function nameOr(params: URLSearchParams, param: string, max: number, fallback: string): string {
  const value = params.get(param);
  return value === null ? fallback : checkName(param, value, max);
}

export function requiredAccessKeyId(params: URLSearchParams): string {
  const value = requiredParam(params, "AccessKeyId");
  if (!/^\w{16,128}$/.test(value))
    throw validationError(
      "accessKeyId",
      value,
      "Member must satisfy regular expression pattern: [\\w]+ and have length between 16 and 128",
    );
  return value;
}

export function requiredStatus(params: URLSearchParams): "Active" | "Inactive" {
  const value = requiredParam(params, "Status");
  if (value !== "Active" && value !== "Inactive")
    throw validationError("status", value, "Member must satisfy enum value set: [Active, Inactive]");
  return value;
}

/** Every managed policy, built-in or custom, lives in this server's account. */
export function policyArn(name: string): string {
  return `arn:aws:iam::${accountId}:policy/${name}`;
}

/**
 * The policy name of a PolicyArn parameter: `arn:aws:iam::000000000000:policy/[path/]NAME`, or a
 * bare NAME. A policy of another account does not exist here.
 */
export function requiredPolicyName(params: URLSearchParams): string {
  const value = requiredParam(params, "PolicyArn");
  if (!value.startsWith("arn:")) return checkName("PolicyArn", value, 128);
  const m = /^arn:aws:iam::([^:]*):policy\/(?:[!-~]*\/)?([^/]+)$/.exec(value);
  if (!m) throw new QueryError("InvalidInput", `ARN ${value} is not valid.`);
  if (m[1] !== accountId || !namePattern.test(m[2]!) || m[2]!.length > 128)
    throw new QueryError("NoSuchEntity", `Policy ${value} does not exist or is not attachable.`, 404);
  return m[2]!;
}

/** The PolicyDocument parameter (validated later by the policy engine). */
export function requiredDocument(params: URLSearchParams): string {
  const value = requiredParam(params, "PolicyDocument");
  if (value.length < 1 || value.length > 131_072)
    throw validationError("policyDocument", "...", "Member must have length between 1 and 131072");
  return value;
}
