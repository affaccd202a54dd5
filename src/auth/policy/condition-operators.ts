/** The condition operators: how one context value compares with one policy value, and value validation. */
import { parseCidr } from "./ip-cidr.ts";

export type OperatorFamily = "String" | "Numeric" | "Date" | "Bool" | "Ip" | "Arn" | "Null";
export type Comparison = "eq" | "lt" | "le" | "gt" | "ge" | "like" | "eqi";

export type OperatorSpec = { family: OperatorFamily; compare: Comparison; negated: boolean };

const spec = (family: OperatorFamily, compare: Comparison, negated = false): OperatorSpec => ({
  family,
  compare,
  negated,
});

export const operators: Readonly<Record<string, OperatorSpec>> = {
  StringEquals: spec("String", "eq"),
  StringNotEquals: spec("String", "eq", true),
  StringEqualsIgnoreCase: spec("String", "eqi"),
  StringNotEqualsIgnoreCase: spec("String", "eqi", true),
  StringLike: spec("String", "like"),
  StringNotLike: spec("String", "like", true),
  NumericEquals: spec("Numeric", "eq"),
  NumericNotEquals: spec("Numeric", "eq", true),
  NumericLessThan: spec("Numeric", "lt"),
  NumericLessThanEquals: spec("Numeric", "le"),
  NumericGreaterThan: spec("Numeric", "gt"),
  NumericGreaterThanEquals: spec("Numeric", "ge"),
  DateEquals: spec("Date", "eq"),
  DateNotEquals: spec("Date", "eq", true),
  DateLessThan: spec("Date", "lt"),
  DateLessThanEquals: spec("Date", "le"),
  DateGreaterThan: spec("Date", "gt"),
  DateGreaterThanEquals: spec("Date", "ge"),
  Bool: spec("Bool", "eq"),
  IpAddress: spec("Ip", "eq"),
  NotIpAddress: spec("Ip", "eq", true),
  ArnEquals: spec("Arn", "like"),
  ArnLike: spec("Arn", "like"),
  ArnNotEquals: spec("Arn", "like", true),
  ArnNotLike: spec("Arn", "like", true),
  Null: spec("Null", "eq"),
};

export function parseNumber(text: string): number | undefined {
  if (!/^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(text)) return undefined;
  return Number(text);
}

/** ISO 8601 or epoch seconds, as milliseconds. */
export function parseDate(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}/.test(t)) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Why a policy value is unusable with this operator family, or undefined when fine. */
export function invalidValue(family: OperatorFamily, value: string): string | undefined {
  // A value holding a policy variable is checked at request time.
  if (value.includes("${")) return undefined;
  switch (family) {
    case "Numeric":
      return parseNumber(value) === undefined ? "is not a number" : undefined;
    case "Date":
      return parseDate(value) === undefined ? "is not an ISO 8601 date or epoch seconds" : undefined;
    case "Bool":
    case "Null":
      return /^(true|false)$/i.test(value) ? undefined : 'must be "true" or "false"';
    case "Ip":
      return parseCidr(value) ? undefined : "is not an IPv4/IPv6 address or CIDR block";
    case "Arn":
      return value === "*" || value.startsWith("arn:") ? undefined : "is not an ARN";
    default:
      return undefined;
  }
}

export function compareOrdered(compare: Comparison, a: number, b: number): boolean {
  switch (compare) {
    case "lt":
      return a < b;
    case "le":
      return a <= b;
    case "gt":
      return a > b;
    case "ge":
      return a >= b;
    default:
      return a === b;
  }
}
