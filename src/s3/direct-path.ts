/**
 * Whether a request may skip the Hono app (app.ts) and go straight to the S3 pipeline: a GET,
 * HEAD or PUT without an Origin header (CORS headers are added by middleware) that is not one of
 * the health or metrics paths answered before S3. Everything the pipeline decides (route,
 * authentication, authorization, errors) is the same either way; this only decides who calls it.
 * POST stays on the app, which tells STS and IAM requests from S3's.
 */
export function takesDirectPath(req: Request): boolean {
  const method = req.method;
  if (method !== "GET" && method !== "HEAD" && method !== "PUT") return false;
  if (req.headers.has("origin")) return false;
  const url = req.url;
  // The path starts after "scheme://authority"; the authority holds no "/".
  const pathStart = url.indexOf("/", url.indexOf("//") + 2);
  if (pathStart < 0) return false;
  return !url.startsWith("/health/", pathStart) && !url.startsWith("/metrics", pathStart);
}
