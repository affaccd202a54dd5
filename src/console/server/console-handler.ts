/**
 * Serves the console under `/_console/` (no bucket can take that path: bucket names have no
 * `_`): the page, its hashed assets (gzip when the browser accepts it) and the cluster view.
 * Everything else the console does goes through the S3, STS and IAM endpoints, signed in the
 * browser with the signed-in principal's session credentials.
 */
import { signedHeadersOf } from "../../s3/forwarded-host.ts";
import { resolveTarget } from "../../s3/request-target.ts";
import { xmlEscape } from "../../s3/xml/escape.ts";
import { type AdminSources, adminSettings } from "./console-admin.ts";
import { type ConsoleAssets, consoleAssets } from "./console-assets.ts";
import { type ClusterSources, clusterView } from "./console-cluster.ts";
import { consoleSecurityHeaders, immutableCache, revalidateCache } from "./console-headers.ts";
import { bucketUsage, type ClientInfo, type UsageDeps } from "./console-usage.ts";

export const consolePrefix = "/_console";

/** True when a request URL's path starts with /_console: one cheap check on the request path. */
export function isConsoleUrl(url: string): boolean {
  const pathStart = url.indexOf("/", url.indexOf("//") + 2);
  return pathStart > 0 && url.startsWith(consolePrefix, pathStart);
}

/**
 * True when a request is the console's: its path starts with /_console, and it is not a
 * virtual-hosted-style request (there `/_console/x` is the key `_console/x` of a bucket). The Host
 * is the one the S3 pipeline resolves buckets with: X-Forwarded-Host from a trusted proxy
 * (src/s3/forwarded-host.ts), so a bucket's key stays a key behind the edge worker too.
 */
export function isConsoleRequest(
  request: Request,
  domains: readonly string[],
  client: { remoteIp: string; trustedProxies: Parameters<typeof signedHeadersOf>[2] },
): boolean {
  if (!isConsoleUrl(request.url)) return false;
  if (domains.length === 0) return true;
  const host = signedHeadersOf(request.headers, client.remoteIp, client.trustedProxies).get("host") ?? "";
  return !resolveTarget(request.url, host, domains).virtualHosted;
}

export interface ConsoleDeps extends ClusterSources, UsageDeps, AdminSources {
  region: string;
  /** The assets (tests may pass their own); default: built or read once per process. */
  assets?: () => Promise<ConsoleAssets>;
}

export type ConsoleHandler = (request: Request, client: ClientInfo) => Promise<Response>;

export function createConsoleHandler(deps: ConsoleDeps): ConsoleHandler {
  const assets = deps.assets ?? consoleAssets;
  let page: Uint8Array | undefined;
  const pageOf = (a: ConsoleAssets) => {
    page ??= new TextEncoder().encode(
      a.template
        .replaceAll("{{SCRIPT}}", `${consolePrefix}/assets/${a.manifest.script}`)
        .replaceAll("{{STYLE}}", `${consolePrefix}/assets/${a.manifest.style}`)
        .replaceAll("{{REGION}}", xmlEscape(deps.region)),
    );
    return page;
  };

  return async (request, client) => {
    const path = new URL(request.url).pathname.slice(consolePrefix.length);
    if (request.method !== "GET" && request.method !== "HEAD")
      return answer(405, "text/plain; charset=utf-8", "method not allowed", { allow: "GET, HEAD" });
    if (path === "") return answer(308, "text/plain; charset=utf-8", "", { location: `${consolePrefix}/` });
    if (path === "/api/cluster") {
      return answer(200, "application/json", JSON.stringify(await clusterView(deps)), {
        "cache-control": "no-store",
      });
    }
    if (path === "/api/usage") {
      const usage = await bucketUsage(request, client, deps);
      if (usage instanceof Response)
        return answer(usage.status, "text/plain; charset=utf-8", await usage.text());
      return answer(200, "application/json", JSON.stringify(usage), { "cache-control": "no-store" });
    }
    if (path === "/api/admin") {
      const settings = await adminSettings(request, client, deps);
      if (settings instanceof Response) return answer(settings.status, "text/plain; charset=utf-8", "");
      return answer(200, "application/json", JSON.stringify(settings), { "cache-control": "no-store" });
    }
    let built: ConsoleAssets;
    try {
      built = await assets();
    } catch (e) {
      return answer(
        503,
        "text/plain; charset=utf-8",
        `The console is not available: ${(e as Error).message}`,
      );
    }
    if (path === "/" || path === "/index.html") {
      return answer(200, "text/html; charset=utf-8", pageOf(built), { "cache-control": revalidateCache });
    }
    const name = path.startsWith("/assets/") ? path.slice("/assets/".length) : undefined;
    const asset = name === undefined ? undefined : built.files.get(name);
    if (!asset) return answer(404, "text/plain; charset=utf-8", "not found");
    const gzip = /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "");
    return answer(200, asset.type, gzip ? asset.gzip : asset.body, {
      "cache-control": immutableCache,
      vary: "accept-encoding",
      ...(gzip ? { "content-encoding": "gzip" } : {}),
    });
  };
}

function answer(
  status: number,
  type: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): Response {
  return new Response(body as BodyInit, {
    status,
    headers: { ...consoleSecurityHeaders, "content-type": type, ...headers },
  });
}
