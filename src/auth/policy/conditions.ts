/**
 * Condition evaluation (AWS rules): operators AND, keys within an operator AND, values for one key OR.
 * A key missing from the request makes the clause false, except: ...IfExists → true, Null tests presence,
 * negated operators (StringNotEquals, NotIpAddress, ArnNotLike…) → true, ForAllValues → true.
 */
import { compareOrdered, operators, parseDate, parseNumber } from "./condition-operators.ts";
import { cidrContains, parseCidr } from "./ip-cidr.ts";
import type { ConditionClause } from "./types.ts";
import { expandLiteral, expandTemplate, type KeyLookup } from "./variables.ts";
import { matchGlob, matchPattern } from "./wildcard.ts";

function arnLike(pattern: string, arn: string): boolean {
  // Six colon-separated components, each matched on its own; the last keeps its colons.
  const split = (s: string) => {
    const parts = s.split(":");
    return [...parts.slice(0, 5), parts.slice(5).join(":")];
  };
  if (pattern === "*") return true;
  if (pattern.split(":").length < 6 || arn.split(":").length < 6) return false;
  const p = split(pattern);
  const a = split(arn);
  return p.every((part, i) => matchGlob(part, a[i]!));
}

/** Does one request value satisfy one (already templated) policy value, for the positive operator? */
function positiveMatch(
  clause: ConditionClause,
  template: string,
  actual: string,
  lookup: KeyLookup,
  vars: boolean,
) {
  const spec = operators[clause.operator]!;
  if (spec.compare === "like" && spec.family === "String") {
    const pattern = expandTemplate(template, lookup, vars, true);
    return pattern !== undefined && matchPattern(pattern, actual);
  }
  const expected = expandLiteral(template, lookup, vars);
  if (expected === undefined) return false;
  switch (spec.family) {
    case "String":
      return spec.compare === "eqi" ? expected.toLowerCase() === actual.toLowerCase() : expected === actual;
    case "Numeric": {
      const a = parseNumber(actual);
      const b = parseNumber(expected);
      return a !== undefined && b !== undefined && compareOrdered(spec.compare, a, b);
    }
    case "Date": {
      const a = parseDate(actual);
      const b = parseDate(expected);
      return a !== undefined && b !== undefined && compareOrdered(spec.compare, a, b);
    }
    case "Bool":
      return expected.toLowerCase() === actual.toLowerCase();
    case "Ip": {
      const cidr = parseCidr(expected);
      return cidr !== undefined && cidrContains(cidr, actual);
    }
    case "Arn":
      return arnLike(expected, actual);
    default:
      return false;
  }
}

function clauseHolds(clause: ConditionClause, lookup: KeyLookup, vars: boolean): boolean {
  const spec = operators[clause.operator]!;
  const actual = lookup(clause.key);
  const present = actual !== undefined && actual.length > 0;
  if (spec.family === "Null") {
    return clause.values.some((v) => (v.toLowerCase() === "true" ? !present : present));
  }
  // One request value against all policy values: positive → any matches; negated → none matches.
  const valueOk = (value: string) => {
    const any = clause.values.some((t) => positiveMatch(clause, t, value, lookup, vars));
    return spec.negated ? !any : any;
  };
  if (clause.qualifier === "ForAllValues") return !present || actual.every(valueOk);
  if (clause.qualifier === "ForAnyValue") return present && actual.some(valueOk);
  if (!present) return clause.ifExists || spec.negated;
  return spec.negated ? actual.every(valueOk) : actual.some(valueOk);
}

export function conditionsHold(
  clauses: readonly ConditionClause[],
  lookup: KeyLookup,
  vars: boolean,
): boolean {
  return clauses.every((c) => clauseHolds(c, lookup, vars));
}
