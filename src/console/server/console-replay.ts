/**
 * The headers a console endpoint replays a page's proof with (console-usage.ts, console-admin.ts):
 * the Host the page signed for, and, when a proxy (the edge worker, a load balancer) forwarded the
 * page's request, its X-Forwarded-Host and X-Forwarded-Proto. The S3 and IAM pipelines believe
 * those only from the trusted proxies (src/s3/forwarded-host.ts), judged by the same client address.
 */
const forwarded = ["x-forwarded-host", "x-forwarded-proto"] as const;

export function replayHeaders(request: Request): Record<string, string> {
  const headers: Record<string, string> = { host: request.headers.get("host") ?? new URL(request.url).host };
  for (const name of forwarded) {
    const value = request.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return headers;
}
