/**
 * Whether a bucket policy is public, as S3 Block Public Access defines it: some Allow statement
 * applies to everyone (Principal "*") with no condition that pins it to fixed values of a key
 * that limits who can use it (a source IP range, VPC, account, ARN or organization).
 */
import type { ConditionClause, Policy } from "../../auth/policy/index.ts";

const limitingKeys = new Set([
  "aws:sourceip",
  "aws:sourcearn",
  "aws:sourcevpc",
  "aws:sourcevpce",
  "aws:sourceaccount",
  "aws:sourceowner",
  "aws:principalaccount",
  "aws:principalarn",
  "aws:principalorgid",
  "aws:userid",
  "s3:dataaccesspointaccount",
  "s3:dataaccesspointarn",
]);

const fixedOperators = new Set(["StringEquals", "StringEqualsIgnoreCase", "ArnEquals", "IpAddress"]);

function limits(clause: ConditionClause): boolean {
  if (!limitingKeys.has(clause.key.toLowerCase()) || clause.ifExists) return false;
  if (clause.key.toLowerCase() === "aws:sourceip") {
    // An address range as wide as everything limits nothing.
    return clause.operator === "IpAddress" && clause.values.every((v) => !/\/0$/.test(v));
  }
  if (fixedOperators.has(clause.operator)) return clause.values.every((v) => !/[*?]/.test(v));
  return false;
}

export function isPublicPolicy(policy: Policy): boolean {
  return policy.statements.some(
    (s) => s.effect === "Allow" && s.principal?.any === true && !s.conditions.some(limits),
  );
}
