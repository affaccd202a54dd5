import type { Context } from "hono";
import { authenticate, signatureClaim } from "../../auth/authenticate.ts";
import { type SigV4Crypto, webSigV4Crypto } from "../../auth/sigv4-crypto.ts";
import type { CredentialLookup } from "../../auth/types.ts";
import type { ExchangeEnv } from "../exchange.ts";
import type { ServerConfig } from "../server-config.ts";
import type { QueryAction, UnsignedQueryAction } from "./query-action.ts";
import { QueryError } from "./query-error.ts";
import { queryProtocols, queryXmlResponse } from "./query-protocol.ts";
import { readQueryBody } from "./query-request.ts";
import { type QueryService, renderQueryResponse } from "./query-xml.ts";

/** The actions of each Query-protocol service this server answers, by Action name. */
export type QueryActions = Partial<Record<QueryService, Record<string, QueryAction>>>;

export interface QueryPipelineDeps {
  credentials: CredentialLookup;
  config: ServerConfig;
  actions: QueryActions;
  /** STS actions answered without a signature, by Action name. */
  unsignedActions?: Record<string, UnsignedQueryAction>;
  sigv4Crypto?: SigV4Crypto;
}

const missingToken = () =>
  new QueryError("MissingAuthenticationToken", "Request is missing Authentication Token", 403);

const versions: Record<string, QueryService> = { "2011-06-15": "sts", "2010-05-08": "iam" };

const encoder = new TextEncoder();

/** The most an unsigned (federation) request may send: a name, a password or token, a session policy. */
const maxUnsignedBodyBytes = 16 * 1024;

/** An unsigned request is read only when it declares a small body: anything else is refused unread. */
function smallDeclaredBody(req: Request): boolean {
  const declared = req.headers.get("content-length");
  return declared !== null && /^\d{1,6}$/.test(declared) && Number(declared) <= maxUnsignedBodyBytes;
}

/**
 * read form body → authenticate (signed for sts or iam) → dispatch Action → Query XML. Errors are
 * thrown, and rendered by the exchange middleware in the Query protocol of the service.
 */
export function createQueryPipeline(deps: QueryPipelineDeps) {
  const crypto = deps.sigv4Crypto ?? webSigV4Crypto;
  const signing = { region: deps.config.region, services: ["sts", "iam"], crypto: deps.sigv4Crypto };
  return async function handleQuery(c: Context<ExchangeEnv>): Promise<Response> {
    const req = c.req.raw;
    const exchange = c.get("exchange");
    exchange.protocol = queryProtocols.sts;
    const url = new URL(req.url);
    // Every action but the unsigned ones is signed: without those, an unsigned request is refused before its body is read.
    const signed = signatureClaim({ headers: req.headers, query: url.search.slice(1) }, signing);
    if (!signed && !(deps.unsignedActions && smallDeclaredBody(req))) throw missingToken();
    const text = await readQueryBody(req, deps.config.bodyTimeoutMs ?? 0);
    exchange.bytesIn = encoder.encode(text).byteLength;
    const params = new URLSearchParams(text);
    const action = params.get("Action") ?? "";
    exchange.operation = action;
    const unsigned = deps.unsignedActions;
    if (unsigned && Object.hasOwn(unsigned, action)) {
      if (params.get("Version") !== "2011-06-15")
        throw new QueryError("MissingParameter", "The request must contain the parameter Version");
      const result = await unsigned[action]!({ params, requestId: exchange.requestId });
      return queryXmlResponse(renderQueryResponse("sts", action, result, exchange.requestId));
    }
    if (!signed) throw missingToken();
    const service = versions[params.get("Version") ?? ""] ?? (deps.actions.iam?.[action] ? "iam" : "sts");
    exchange.protocol = queryProtocols[service];
    const digest = crypto.sha256Hex(text);
    const auth = await authenticate(
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
    exchange.auth = auth;
    if (auth.kind !== "sigv4") throw missingToken();
    if (!action) throw new QueryError("MissingAction", "Missing Action");
    const version = params.get("Version");
    if (version === null)
      throw new QueryError("MissingParameter", "The request must contain the parameter Version");
    const table = versions[version] === service ? deps.actions[service] : undefined;
    const run = table && Object.hasOwn(table, action) ? table[action] : undefined;
    if (!run)
      throw new QueryError("InvalidAction", `Could not find operation ${action} for version ${version}`);
    const result = await run({ action, params, auth, requestId: exchange.requestId });
    return queryXmlResponse(renderQueryResponse(service, action, result, exchange.requestId));
  };
}
