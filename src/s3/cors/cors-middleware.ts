import type { MiddlewareHandler } from "hono";
import type { ExchangeEnv } from "../exchange.ts";
import type { BucketCors } from "./bucket-cors.ts";
import { type CorsRule, corsResponseHeaders, findCorsRule } from "./cors-rules.ts";

/**
 * Adds to `response` the headers of the first rule that lets `origin` send `method`; unchanged
 * when no rule does. For any answer to a cross-origin request, success or error.
 */
export function withCorsHeaders(
  response: Response,
  rules: readonly CorsRule[] | undefined,
  origin: string,
  method: string,
): Response {
  const rule = rules && findCorsRule(rules, origin, method);
  if (!rule) return response;
  for (const [name, value] of Object.entries(corsResponseHeaders(rule, origin))) {
    response.headers.set(name, value);
  }
  return response;
}

/**
 * The Access-Control-* headers of real (non-preflight) S3 responses, errors included, for requests
 * that carry an Origin; a request without one costs a header lookup and nothing else. Runs inside
 * the exchange middleware, so the bucket is the one the pipeline resolved.
 */
export function corsMiddleware(cors: BucketCors): MiddlewareHandler<ExchangeEnv> {
  return async (c, next) => {
    await next();
    const origin = c.req.raw.headers.get("origin");
    if (origin === null || c.req.method === "OPTIONS") return;
    const bucket = c.get("exchange").target?.bucket;
    if (!bucket) return;
    c.res = withCorsHeaders(c.res, await cors.rulesOf(bucket), origin, c.req.method);
  };
}
