/** The parameters of AssumeRole, as STS constrains them. */
import * as v from "valibot";
import { QueryError } from "./query-error.ts";
import { param, required } from "./query-params.ts";

export const minSessionSeconds = 900;
export const maxSessionSeconds = 43_200;
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

/** DurationSeconds: 900…43200, at most `max` (the server's bound); absent → an hour or `max`. */
export function durationOf(params: URLSearchParams, max: number): number {
  const seconds = param(params, "DurationSeconds", durationSeconds);
  if (seconds === null) return Math.min(defaultSessionSeconds, max);
  if (seconds > max) {
    throw new QueryError(
      "ValidationError",
      `The requested DurationSeconds exceeds the MaxSessionDuration set for this role (${max} seconds).`,
    );
  }
  return seconds;
}

/** The Policy parameter's text (its content is checked by the policy engine). */
export function sessionPolicyText(params: URLSearchParams): string | undefined {
  return param(params, "Policy", sessionPolicy, { hideValue: true }) ?? undefined;
}
