/**
 * A bucket's CORS rules and how S3 applies them: the first rule whose AllowedOrigin, AllowedMethod
 * and (for a preflight) every AllowedHeader match decides, and its elements become the
 * Access-Control-* response headers. Pure and Web-standard: preflights, real responses and POST
 * uploads answer with the same headers.
 */

/** The only methods a CORS rule may allow. */
export const corsMethods = ["GET", "PUT", "POST", "DELETE", "HEAD"] as const;
export type CorsMethod = (typeof corsMethods)[number];

export interface CorsRule {
  id?: string;
  allowedMethods: CorsMethod[];
  /** Each with at most one `*`, which matches any run of characters (none too). */
  allowedOrigins: string[];
  /** Compared without regard to case; at most one `*` each. */
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

export function isCorsMethod(method: string | null | undefined): method is CorsMethod {
  return (corsMethods as readonly string[]).includes(method ?? "");
}

/** `pattern` with at most one `*` against `value`: equal, or the text around the `*` at both ends. */
export function wildcardMatches(pattern: string, value: string): boolean {
  const star = pattern.indexOf("*");
  if (star < 0) return pattern === value;
  const head = pattern.slice(0, star);
  const tail = pattern.slice(star + 1);
  return value.length >= head.length + tail.length && value.startsWith(head) && value.endsWith(tail);
}

/** The header names of an Access-Control-Request-Headers value, lower-cased, empty ones dropped. */
export function requestedHeadersOf(value: string | null): string[] {
  if (!value) return [];
  return value
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== "");
}

/**
 * The first rule that lets `origin` send `method` (the actual method, or a preflight's
 * Access-Control-Request-Method) with `headers` (a preflight's requested headers, lower-cased).
 */
export function findCorsRule(
  rules: readonly CorsRule[],
  origin: string,
  method: string,
  headers: readonly string[] = [],
): CorsRule | undefined {
  return rules.find(
    (rule) =>
      (rule.allowedMethods as readonly string[]).includes(method) &&
      rule.allowedOrigins.some((o) => wildcardMatches(o, origin)) &&
      headers.every((h) => rule.allowedHeaders.some((a) => wildcardMatches(a.toLowerCase(), h))),
  );
}

/** What S3 lists in Vary on every answer a CORS rule shaped. */
export const corsVary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";

/**
 * The headers a matching rule adds, to a preflight (with the requested headers it allowed) and to
 * the actual response alike. A rule that allows any origin answers `*` and never allows
 * credentials; otherwise the request's origin is echoed with Allow-Credentials.
 */
export function corsResponseHeaders(
  rule: CorsRule,
  origin: string,
  requestedHeaders: readonly string[] = [],
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (rule.allowedOrigins.includes("*")) {
    headers["access-control-allow-origin"] = "*";
  } else {
    headers["access-control-allow-origin"] = origin;
    headers["access-control-allow-credentials"] = "true";
  }
  headers["access-control-allow-methods"] = rule.allowedMethods.join(", ");
  if (requestedHeaders.length > 0) headers["access-control-allow-headers"] = requestedHeaders.join(", ");
  if (rule.exposeHeaders.length > 0) headers["access-control-expose-headers"] = rule.exposeHeaders.join(", ");
  if (rule.maxAgeSeconds !== undefined) headers["access-control-max-age"] = String(rule.maxAgeSeconds);
  headers.vary = corsVary;
  return headers;
}

/** The rules as kept in the bucket setting `cors` (JSON). */
export function serializeCorsRules(rules: readonly CorsRule[]): string {
  return `${JSON.stringify(rules)}\n`;
}

/** The rules of a stored setting; undefined when it is not a list of rules (nothing is allowed then). */
export function parseStoredCorsRules(text: string): CorsRule[] | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (!Array.isArray(value)) return undefined;
    const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === "string");
    const rules: CorsRule[] = [];
    for (const r of value as Record<string, unknown>[]) {
      if (typeof r !== "object" || r === null) return undefined;
      const { id, allowedMethods, allowedOrigins, allowedHeaders, exposeHeaders, maxAgeSeconds } = r;
      if (!strings(allowedMethods) || !allowedMethods.every(isCorsMethod)) return undefined;
      if (!strings(allowedOrigins) || !strings(allowedHeaders) || !strings(exposeHeaders)) return undefined;
      if (maxAgeSeconds !== undefined && typeof maxAgeSeconds !== "number") return undefined;
      rules.push({
        ...(typeof id === "string" ? { id } : {}),
        allowedMethods,
        allowedOrigins,
        allowedHeaders,
        exposeHeaders,
        ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}),
      });
    }
    return rules;
  } catch {
    return undefined;
  }
}
