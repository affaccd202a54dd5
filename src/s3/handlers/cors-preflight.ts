/**
 * OPTIONS on a bucket or an object: the CORS preflight, answered from the bucket's rules before
 * any authentication (a browser never signs it), with S3's errors when it cannot be allowed.
 */
import type { Handler } from "../context.ts";
import { corsResponseHeaders, findCorsRule, isCorsMethod, requestedHeadersOf } from "../cors/cors-rules.ts";
import { S3Error } from "../errors.ts";

/** S3's message, its misspellings included: clients and tests compare it. */
const notAllowed =
  "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, " +
  "request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not whitelisted " +
  "by the resource's CORS spec.";

export const corsPreflight: Handler = async (ctx) => {
  const { headers } = ctx.req;
  const origin = headers.get("origin");
  if (!origin) throw new S3Error("BadRequest", "Insufficient information. Origin request header needed.");
  const method = headers.get("access-control-request-method");
  if (!isCorsMethod(method))
    throw new S3Error("BadRequest", `Invalid Access-Control-Request-Method: ${method}`);
  const rules = await ctx.cors.rulesOf(ctx.target.bucket);
  if (!rules || rules.length === 0) {
    throw new S3Error("AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", {
      Method: method,
      ResourceType: ctx.target.key ? "OBJECT" : "BUCKET",
    });
  }
  const requested = requestedHeadersOf(headers.get("access-control-request-headers"));
  const rule = findCorsRule(rules, origin, method, requested);
  if (!rule) {
    throw new S3Error("AccessForbidden", notAllowed, {
      Method: method,
      ResourceType: ctx.target.key ? "OBJECT" : "BUCKET",
    });
  }
  return new Response(null, { status: 200, headers: corsResponseHeaders(rule, origin, requested) });
};
