import { authenticate, signatureClaim } from "../../auth/authenticate.ts";
import { type SigV4Crypto, webSigV4Crypto } from "../../auth/sigv4-crypto.ts";
import type { AuthResult, CredentialLookup } from "../../auth/types.ts";
import { type AccessLogSink, loggedRequestHeadersOf, loggedResponseHeadersOf } from "../access-log.ts";
import { hostId, newRequestId } from "../request-id.ts";
import type { ServerConfig } from "../server-config.ts";
import type { QueryAction } from "./query-action.ts";
import { QueryError, toQueryError } from "./query-error.ts";
import { readQueryBody } from "./query-request.ts";
import { type QueryService, renderQueryError, renderQueryResponse } from "./query-xml.ts";

/** The actions of each Query-protocol service this server answers, by Action name. */
export type QueryActions = Partial<Record<QueryService, Record<string, QueryAction>>>;

export interface QueryPipelineDeps {
  credentials: CredentialLookup;
  config: ServerConfig;
  log: AccessLogSink;
  actions: QueryActions;
  sigv4Crypto?: SigV4Crypto;
  onInternalError: (error: unknown, requestId: string) => void;
}

const missingToken = () =>
  new QueryError("MissingAuthenticationToken", "Request is missing Authentication Token", 403);

const versions: Record<string, QueryService> = { "2011-06-15": "sts", "2010-05-08": "iam" };

/** read form body → authenticate (signed for sts or iam) → dispatch Action → Query XML. */
export function createQueryPipeline(deps: QueryPipelineDeps) {
  const crypto = deps.sigv4Crypto ?? webSigV4Crypto;
  return async function handleQuery(req: Request, remoteIp: string): Promise<Response> {
    const started = performance.now();
    const requestId = newRequestId();
    let service: QueryService = "sts";
    let action = "";
    let auth: AuthResult | undefined;
    let bytesIn = 0;
    let status = 200;
    let errorCode: string | undefined;
    let body: string;
    try {
      const url = new URL(req.url);
      const signing = { region: deps.config.region, services: ["sts", "iam"], crypto: deps.sigv4Crypto };
      // Every action here is signed: a request that cannot be is refused before its body is read.
      if (!signatureClaim({ headers: req.headers, query: url.search.slice(1) }, signing))
        throw missingToken();
      const text = await readQueryBody(req, deps.config.bodyTimeoutMs ?? 0);
      bytesIn = new TextEncoder().encode(text).byteLength;
      const params = new URLSearchParams(text);
      action = params.get("Action") ?? "";
      service = versions[params.get("Version") ?? ""] ?? (deps.actions.iam?.[action] ? "iam" : "sts");
      const digest = crypto.sha256Hex(text);
      auth = await authenticate(
        {
          method: req.method,
          path: url.pathname,
          query: url.search.slice(1),
          headers: req.headers,
          bodySha256: typeof digest === "string" ? digest : await digest,
        },
        deps.credentials,
        signing,
      );
      if (auth.kind !== "sigv4") throw missingToken();
      if (!action) throw new QueryError("MissingAction", "Missing Action");
      const version = params.get("Version");
      if (version === null)
        throw new QueryError("MissingParameter", "The request must contain the parameter Version");
      const table = versions[version] === service ? deps.actions[service] : undefined;
      const run = table && Object.hasOwn(table, action) ? table[action] : undefined;
      if (!run)
        throw new QueryError("InvalidAction", `Could not find operation ${action} for version ${version}`);
      body = renderQueryResponse(service, action, await run({ action, params, auth, requestId }), requestId);
    } catch (caught) {
      const error =
        toQueryError(caught) ?? new QueryError("InternalFailure", "An internal error occurred.", 500);
      if (error.status === 500 && !(caught instanceof QueryError)) deps.onInternalError(caught, requestId);
      status = error.status;
      errorCode = error.code;
      body = renderQueryError(service, error.code, error.message, error.status, requestId);
    }
    const response = new Response(body, {
      status,
      headers: { "content-type": "text/xml", "x-amzn-requestid": requestId, "x-amz-id-2": hostId },
    });
    deps.log({
      time: new Date().toISOString(),
      requestId,
      remoteIp,
      principal: auth?.principal.name ?? "",
      principalKind: auth?.principal.kind ?? "",
      sessionArn: auth?.principal.session?.arn,
      accessKeyId: auth?.principal.accessKeyId ?? "",
      operation: `${service}:${action || "Unknown"}`,
      method: req.method,
      bucket: "",
      key: "",
      status,
      errorCode,
      bytesIn,
      bytesOut: new TextEncoder().encode(body).byteLength,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      userAgent: req.headers.get("user-agent") ?? "",
      requestHeaders: loggedRequestHeadersOf(req.headers),
      responseHeaders: loggedResponseHeadersOf(response.headers),
    });
    return response;
  };
}
