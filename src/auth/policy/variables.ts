/**
 * Policy variables: `${aws:username}`, `${aws:userid}`, `${aws:PrincipalType}`, any request key,
 * `${key, 'default'}`, and the escapes `${*}`, `${?}`, `${$}` (literal characters, never wildcards).
 * Substituted in Resource/NotResource and condition values, only in Version 2012-10-17 documents.
 */
import { globParts, type Pattern, type PatternPart } from "./wildcard.ts";

/** Looks a context key up (case-insensitive); a key is usable as a variable only when single-valued. */
export type KeyLookup = (key: string) => readonly string[] | undefined;

const variable = /\$\{([^}]*)\}/g;
const withDefault = /^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$/;

function variableValue(body: string, lookup: KeyLookup): string | undefined {
  if (body === "*" || body === "?" || body === "$") return body;
  const m = withDefault.exec(body);
  const key = m ? m[1]! : body.trim();
  const values = lookup(key);
  if (values && values.length === 1) return values[0];
  return m ? m[2] : undefined;
}

/**
 * Expands a template into a pattern. Text outside variables keeps `*`/`?` as wildcards when `wild`
 * is set; variable values are always literal. Returns undefined when a variable has no value,
 * which makes that element not match (AWS).
 */
export function expandTemplate(
  template: string,
  lookup: KeyLookup,
  substitute: boolean,
  wild: boolean,
): Pattern | undefined {
  const plain = (text: string): PatternPart[] => (wild ? globParts(text) : text ? [text] : []);
  if (!substitute || !template.includes("${")) return plain(template);
  const parts: PatternPart[] = [];
  let last = 0;
  for (const m of template.matchAll(variable)) {
    parts.push(...plain(template.slice(last, m.index)));
    const value = variableValue(m[1]!, lookup);
    if (value === undefined) return undefined;
    if (value) parts.push(value);
    last = m.index + m[0].length;
  }
  parts.push(...plain(template.slice(last)));
  return parts;
}

/** Expands a template into a literal string (for equality operators). */
export function expandLiteral(template: string, lookup: KeyLookup, substitute: boolean): string | undefined {
  const parts = expandTemplate(template, lookup, substitute, false);
  return parts?.map((p) => (typeof p === "string" ? p : p.wild)).join("");
}
