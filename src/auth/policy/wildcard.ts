/** Glob matching with `*` (any run) and `?` (one character), the only wildcards of the policy language. */

/** A pattern segment: literal text, or a wildcard character. Variable values become literal segments. */
export type PatternPart = string | { wild: "*" | "?" };
export type Pattern = readonly PatternPart[];

/** Splits plain text into literal runs and wildcards. */
export function globParts(text: string): PatternPart[] {
  const parts: PatternPart[] = [];
  let run = "";
  for (const ch of text) {
    if (ch === "*" || ch === "?") {
      if (run) parts.push(run);
      run = "";
      parts.push({ wild: ch });
    } else run += ch;
  }
  if (run) parts.push(run);
  return parts;
}

type Token = { literal: string } | "*" | "?";

function tokens(pattern: Pattern, lower: boolean): Token[] {
  const out: Token[] = [];
  for (const part of pattern) {
    if (typeof part === "string") {
      for (const ch of lower ? part.toLowerCase() : part) out.push({ literal: ch });
    } else out.push(part.wild);
  }
  return out;
}

/** True when `text` matches the whole pattern. Iterative, linear in practice (classic backtrack on last `*`). */
export function matchPattern(pattern: Pattern, text: string, ignoreCase = false): boolean {
  const p = tokens(pattern, ignoreCase);
  const t = Array.from(ignoreCase ? text.toLowerCase() : text);
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    const tok = p[pi];
    if (tok !== undefined && (tok === "?" || (tok !== "*" && tok.literal === t[ti]))) {
      pi++;
      ti++;
    } else if (tok === "*") {
      star = pi++;
      mark = ti;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else return false;
  }
  while (p[pi] === "*") pi++;
  return pi === p.length;
}

/** Matches a plain glob string (no policy variables). */
export function matchGlob(glob: string, text: string, ignoreCase = false): boolean {
  return matchPattern(globParts(glob), text, ignoreCase);
}
