/** The parameters of AssumeRole, as STS constrains them. */
import * as v from "valibot";
import { QueryError } from "./query-error.ts";
import { param, required } from "./query-params.ts";

export const minSessionSeconds = 900;
/** AWS caps DurationSeconds at 12 h; this server at 7 days, and at `--sts-max-duration` (12 h by default). */
export const maxSessionSeconds = 604_800;
const defaultSessionSeconds = 3600;
export const maxSessionPolicyChars = 2048;

export const roleArnParam = v.pipe(
  required,
  v.check(
    (arn) => arn.length >= 20 && arn.length <= 2048 && arn.startsWith("arn:"),
    "Member must be an ARN of length between 20 and 2048",
  ),
);

export const roleSessionNameParam = v.pipe(
  required,
  v.regex(/^[\w+=,.@-]{2,64}$/, "Member must satisfy regular expression pattern: [\\w+=,.@-]{2,64}"),
);

const durationSeconds = v.nullable(
  v.pipe(
    v.string(),
    v.regex(/^\d{1,9}$/, "Member must be an integer"),
    v.transform(Number),
    v.minValue(minSessionSeconds, `Member must have value greater than or equal to ${minSessionSeconds}`),
    v.maxValue(maxSessionSeconds, `Member must have value less than or equal to ${maxSessionSeconds}`),
  ),
);

const policyLength = `Member must have length between 1 and ${maxSessionPolicyChars}`;
const sessionPolicy = v.nullable(
  v.pipe(v.string(), v.minLength(1, policyLength), v.maxLength(maxSessionPolicyChars, policyLength)),
);

/**
 * DurationSeconds: 900…604800, at most `max` (the server's bound) and the role's MaxSessionDuration;
 * absent → an hour or less.
 */
export function durationOf(params: URLSearchParams, max: number, roleMax?: number): number {
  const seconds = param(params, "DurationSeconds", durationSeconds);
  const bound = Math.min(max, roleMax ?? max);
  if (seconds === null) return Math.min(defaultSessionSeconds, bound);
  if (seconds > bound) {
    throw new QueryError(
      "ValidationError",
      `The requested DurationSeconds exceeds the MaxSessionDuration set for this role (${bound} seconds).`,
    );
  }
  return seconds;
}

export interface SessionTags {
  tags: Record<string, string>;
  transitiveTagKeys: string[];
}

const maxSessionTags = 50;

/**
 * Tags.member.N.Key/Value and TransitiveTagKeys.member.N: at most 50 tags, keys 1…128 and values
 * 0…256 characters of letters, digits, spaces and `_.:/=+-@`; keys compare case-insensitively, so
 * two that differ only in case are refused; every transitive key must be one of the tags.
 */
export function sessionTagsOf(params: URLSearchParams): SessionTags {
  const tags: Record<string, string> = {};
  const seen = new Set<string>();
  for (let n = 1; params.has(`Tags.member.${n}.Key`); n++) {
    if (n > maxSessionTags)
      throw new QueryError(
        "ValidationError",
        `Member must have length less than or equal to ${maxSessionTags}`,
      );
    const key = param(params, `Tags.member.${n}.Key`, tagKey);
    const value = param(params, `Tags.member.${n}.Value`, tagValue);
    if (seen.has(key.toLowerCase()))
      throw new QueryError(
        "InvalidParameterValue",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
      );
    seen.add(key.toLowerCase());
    tags[key] = value;
  }
  const transitiveTagKeys: string[] = [];
  for (let n = 1; params.has(`TransitiveTagKeys.member.${n}`); n++) {
    const key = param(params, `TransitiveTagKeys.member.${n}`, tagKey);
    if (!seen.has(key.toLowerCase()))
      throw new QueryError(
        "InvalidParameterValue",
        "The specified transitive tag key must be included in the requested tags.",
      );
    transitiveTagKeys.push(key);
  }
  return { tags, transitiveTagKeys };
}

const tagPattern = "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+";
const tagKey = v.pipe(
  required,
  v.minLength(1, "Member must have length greater than or equal to 1"),
  v.maxLength(128, "Member must have length less than or equal to 128"),
  v.regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, tagPattern),
);
const tagValue = v.pipe(
  required,
  v.maxLength(256, "Member must have length less than or equal to 256"),
  v.regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, tagPattern),
);

/** The Policy parameter's text (its content is checked by the policy engine). */
export function sessionPolicyText(params: URLSearchParams): string | undefined {
  return param(params, "Policy", sessionPolicy, { hideValue: true }) ?? undefined;
}

/** Managed session policies (PolicyArns.member.N) are refused: only an inline Policy narrows a session. */
export function refusePolicyArns(params: URLSearchParams): void {
  for (const name of params.keys()) {
    if (name.startsWith("PolicyArns.")) {
      throw new QueryError(
        "InvalidParameterValue",
        "Managed session policies (PolicyArns) are not supported; pass the session policy inline in Policy.",
      );
    }
  }
}
