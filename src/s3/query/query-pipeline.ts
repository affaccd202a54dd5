import type { Context } from "hono";
import { authenticate, signatureClaim } from "../../auth/authenticate.ts";
import { type SigV4Crypto, webSigV4Crypto } from "../../auth/sigv4-crypto.ts";
import type { CredentialLookup } from "../../auth/types.ts";
import type { ExchangeEnv } from "../exchange.ts";
import { signedHeadersOf } from "../forwarded-host.ts";
import type { ServerConfig } from "../server-config.ts";
import type { QueryAction } from "./query-action.ts";
import { QueryError } from "./query-error.ts";
import { queryProtocols, queryXmlResponse } from "./query-protocol.ts";
import { readQueryBody } from "./query-request.ts";
import { type QueryService, renderQueryResponse } from "./query-xml.ts";
import type { UnsignedQueryAction } from "./sts-web-identity.ts";

/** The actions of each Query-protocol service this server answers, by Action name. */
export type QueryActions = Partial<Record<QueryService, Record<string, QueryAction>>>;

export interface QueryPipelineDeps {
  credentials: CredentialLookup;
  config: ServerConfig;
  actions: QueryActions;
  /** STS actions that take no credentials (AssumeRoleWithWebIdentity); their signature is not checked. */
  unsignedStsActions?: Record<string, UnsignedQueryAction>;
  sigv4Crypto?: SigV4Crypto;
}

const missingToken = () =>
  new QueryError("MissingAuthenticationToken", "Request is missing Authentication Token", 403);

const versions: Record<string, QueryService> = { "2011-06-15": "sts", "2010-05-08": "iam" };

const encoder = new TextEncoder();

/** An unsigned action's body: a web identity token (≤ 20,000 characters) and a session policy, encoded. */
const maxUnsignedBodyBytes = 48 * 1024;
const unsignedBodyTimeoutMs = 10_000;

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
    // Every action but the unsigned STS ones is signed: without unsigned actions, a request that
    // cannot be is refused before its body is read.
    const signed = signatureClaim({ headers: req.headers, query: url.search.slice(1) }, signing);
    const unsignedActions = deps.unsignedStsActions ?? {};
    if (!signed && Object.keys(unsignedActions).length === 0) throw missingToken();
    // An unsigned body may only be an unsigned action's: small, and soon there.
    const declared = Number(req.headers.get("content-length") ?? "0");
    if (!signed && declared > maxUnsignedBodyBytes) throw missingToken();
    const text = signed
      ? await readQueryBody(req, deps.config.bodyTimeoutMs ?? 0)
      : await readQueryBody(
          req,
          Math.min(deps.config.bodyTimeoutMs || unsignedBodyTimeoutMs, unsignedBodyTimeoutMs),
          maxUnsignedBodyBytes,
        );
    exchange.bytesIn = encoder.encode(text).byteLength;
    const params = new URLSearchParams(text);
    const action = params.get("Action") ?? "";
    exchange.operation = action;
    const service = versions[params.get("Version") ?? ""] ?? (deps.actions.iam?.[action] ? "iam" : "sts");
    exchange.protocol = queryProtocols[service];
    const unsigned =
      service === "sts" && params.get("Version") === "2011-06-15" && Object.hasOwn(unsignedActions, action)
        ? unsignedActions[action]
        : undefined;
    if (unsigned) {
      const anonymous = { kind: "anonymous", name: "", accessKeyId: "" } as const;
      const payload = { kind: "unsigned" } as const;
      exchange.auth = { kind: "anonymous", principal: anonymous, payload };
      const result = await unsigned({
        params,
        requestId: exchange.requestId,
        identify: (principal) => {
          exchange.auth = { kind: "anonymous", principal, payload };
        },
      });
      return queryXmlResponse(renderQueryResponse(service, action, result, exchange.requestId));
    }
    if (!signed) throw missingToken();
    const digest = crypto.sha256Hex(text);
    const auth = await authenticate(
      {
        method: req.method,
        path: url.pathname,
        query: url.search.slice(1),
        // Behind a trusted proxy (the edge worker, a load balancer) the client signed the Host it
        // forwarded, as for S3 (src/s3/forwarded-host.ts).
        headers: signedHeadersOf(req.headers, c.env.remoteIp, deps.config.trustedProxies ?? []),
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
