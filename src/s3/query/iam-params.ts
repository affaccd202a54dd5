import * as v from "valibot";
import { accountId } from "../../auth/account.ts";
import { QueryError } from "./query-error.ts";
import { param, required } from "./query-params.ts";

const namePattern = /^[\w+=,.@-]+$/;

/** A user or policy name: 1…max of letters, digits and `+=,.@_-`. */
function nameSchema(max: number) {
  const length = `Member must have length between 1 and ${max}`;
  return v.pipe(
    required,
    v.minLength(1, length),
    v.maxLength(max, length),
    v.regex(namePattern, "Member must satisfy regular expression pattern: [\\w+=,.@-]+"),
  );
}

/** User names are at most 64 characters, policy names 128. */
export const userName = nameSchema(64);
export const policyName = nameSchema(128);

const accessKeyId = v.pipe(
  required,
  v.regex(
    /^\w{16,128}$/,
    "Member must satisfy regular expression pattern: [\\w]+ and have length between 16 and 128",
  ),
);

const keyStatus = v.pipe(
  required,
  v.picklist(["Active", "Inactive"], "Member must satisfy enum value set: [Active, Inactive]"),
);

const documentLength = "Member must have length between 1 and 131072";
const policyDocument = v.pipe(required, v.minLength(1, documentLength), v.maxLength(131_072, documentLength));

/** ListPolicies' Scope: All (the default), AWS (built-in) or Local (custom). */
export const policyScopeParam = v.nullable(
  v.picklist(["All", "AWS", "Local"], "Member must satisfy enum value set: [All, AWS, Local]"),
  "All",
);

export function requiredName(params: URLSearchParams, name: "UserName" | "PolicyName"): string {
  return param(params, name, name === "UserName" ? userName : policyName);
}

/** The UserName parameter, or the fallback (the caller's own user name) when absent. */
export function userNameOr(params: URLSearchParams, fallback: string): string {
  return param(params, "UserName", v.nullable(userName)) ?? fallback;
}

export function requiredAccessKeyId(params: URLSearchParams): string {
  return param(params, "AccessKeyId", accessKeyId);
}

export function requiredStatus(params: URLSearchParams): "Active" | "Inactive" {
  return param(params, "Status", keyStatus);
}

/** Every managed policy, built-in or custom, lives in the caller's account. */
export function policyArn(name: string, account: string = accountId): string {
  return `arn:aws:iam::${account}:policy/${name}`;
}

/**
 * The policy name of a PolicyArn parameter: `arn:aws:iam::000000000000:policy/[path/]NAME`, or a
 * bare NAME. A policy of another account does not exist here.
 */
export function requiredPolicyName(params: URLSearchParams, account: string = accountId): string {
  const value = param(params, "PolicyArn", required);
  if (!value.startsWith("arn:")) return param(params, "PolicyArn", policyName);
  const m = /^arn:aws:iam::([^:]*):policy\/(?:[!-~]*\/)?([^/]+)$/.exec(value);
  if (!m) throw new QueryError("InvalidInput", `ARN ${value} is not valid.`);
  if (m[1] !== account || !v.is(policyName, m[2]))
    throw new QueryError("NoSuchEntity", `Policy ${value} does not exist or is not attachable.`, 404);
  return m[2]!;
}

/** The PolicyDocument parameter (validated later by the policy engine). */
export function requiredDocument(params: URLSearchParams): string {
  return param(params, "PolicyDocument", policyDocument, { hideValue: true });
}

/** A group, role or other entity name parameter: 1…max of letters, digits and `+=,.@_-`. */
export function requiredEntityName(params: URLSearchParams, name: string, max: number): string {
  return param(params, name, nameSchema(max));
}

/** A Path parameter: "/" or "/…/" (1…512 printable ASCII); absent is "/". */
export function pathParam(params: URLSearchParams, name = "Path"): string {
  return param(
    params,
    name,
    v.nullable(
      v.pipe(
        v.string(),
        v.maxLength(512, "Member must have length less than or equal to 512"),
        v.regex(
          /^\/(?:[!-~]*\/)?$/,
          "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
        ),
      ),
      "/",
    ),
  );
}

/** An optional integer parameter within [min, max]. */
export function optionalInteger(
  params: URLSearchParams,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = param(
    params,
    name,
    v.nullable(
      v.pipe(
        v.string(),
        v.regex(/^\d{1,9}$/, "Member must be an integer"),
        v.transform(Number),
        v.minValue(min, `Member must have value greater than or equal to ${min}`),
        v.maxValue(max, `Member must have value less than or equal to ${max}`),
      ),
    ),
  );
  return value ?? undefined;
}

/** A PolicyDocument-like parameter under another name (AssumeRolePolicyDocument). */
export function requiredDocumentNamed(params: URLSearchParams, name: string): string {
  return param(params, name, policyDocument, { hideValue: true });
}
