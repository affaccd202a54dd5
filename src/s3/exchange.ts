import type { ErrorHandler, MiddlewareHandler } from "hono";
import type { FederatedIdentity } from "../audit/access-log-entry.ts";
import { accountOf } from "../auth/account.ts";
import type { AuthResult, SessionInfo } from "../auth/types.ts";
import { httpDateNow, toIsoTime } from "../lib/http-date.ts";
import { type AccessLogSink, loggedRequestHeadersOf, loggedResponseHeadersOf } from "./access-log.ts";
import { hostId, newRequestId } from "./request-id.ts";
import type { RequestTarget } from "./request-target.ts";

/**
 * One request and its answer as the access log tells it, filled in by the handler as it learns
 * (target, principal, operation, body bytes read). Made by the exchange middleware; handlers reach
 * it with `c.get("exchange")`.
 */
export interface Exchange {
  readonly requestId: string;
  /** performance.now() when the request arrived. */
  readonly started: number;
  /** How errors are answered and the operation named: S3 until a handler takes the request as another. */
  protocol: Protocol;
  /** The S3 operation or Query action; "" until known. */
  operation: string;
  target?: RequestTarget;
  auth?: AuthResult;
  bytesIn: number;
  errorCode?: string;
}

/** What differs between the protocols served on one endpoint (S3, and the Query protocol of STS and IAM). */
export interface Protocol {
  /** The header that carries the request id: `x-amz-request-id` (S3), `x-amzn-requestid` (Query). */
  readonly requestIdHeader: string;
  /** The operation's name in the access log and the metrics. */
  operationName(exchange: Exchange): string;
  /** The answer to whatever a handler threw; `internal` when it was a failure rather than a refusal. */
  errorOf(
    caught: unknown,
    req: Request,
    exchange: Exchange,
  ): { response: Response; code: string; internal: boolean };
}

/** What the runtime tells the app about each request (Hono bindings: `app.fetch(req, { remoteIp })`). */
export type AppBindings = {
  remoteIp: string;
  /** The request target exactly as sent, when the runtime keeps it (Node; Bun resolves dot segments). */
  rawTarget?: string;
};

export type ExchangeEnv = { Bindings: AppBindings; Variables: { exchange: Exchange } };

export interface ExchangeDeps {
  /** The access log sink; it also feeds the metrics and the audit trail. */
  log: AccessLogSink;
  /** Called with unexpected errors (bugs, I/O failures) that became an internal error. */
  onInternalError: (error: unknown, requestId: string) => void;
}

export function newExchange(protocol: Protocol): Exchange {
  return {
    requestId: newRequestId(),
    started: performance.now(),
    protocol,
    operation: "",
    target: undefined,
    auth: undefined,
    bytesIn: 0,
    errorCode: undefined,
  };
}

/**
 * The external identity behind a federated session, for the audit trail; `login` on the unsigned
 * call that exchanged it (the principal of an unsigned call is the session it issued).
 */
function federatedOf(session: SessionInfo | undefined, login: boolean): FederatedIdentity | undefined {
  if (session?.federated) {
    const { provider, issuer, subject } = session.federated;
    return login ? { provider, issuer, subject, login } : { provider, issuer, subject };
  }
  if (!session?.ldapUserDn) return undefined;
  return login
    ? { provider: "ldap", subject: session.ldapUserDn, login }
    : { provider: "ldap", subject: session.ldapUserDn };
}

/**
 * The middleware every S3, STS and IAM request passes through: a request id, the timing, error
 * rendering (`onError`, for the app's `onError`), the request id headers, and one access-log entry.
 */
export function exchange(deps: ExchangeDeps, initial: Protocol) {
  /** The answer to what a handler threw, noted in the exchange. */
  const fail = (caught: unknown, req: Request, current: Exchange): Response => {
    const { response, code, internal } = current.protocol.errorOf(caught, req, current);
    if (internal) deps.onInternalError(caught, current.requestId);
    current.errorCode = code;
    return response;
  };
  // Undefined only for a failure before the middleware ran (the health endpoints).
  const onError: ErrorHandler<ExchangeEnv> = (caught, c) =>
    fail(caught, c.req.raw, c.get("exchange") ?? newExchange(initial));

  /** Adds the request id headers to `response` and writes the exchange's access-log entry. */
  const settle = (current: Exchange, req: Request, response: Response, remoteIp: string): void => {
    response.headers.set(current.protocol.requestIdHeader, current.requestId);
    response.headers.set("x-amz-id-2", hostId());
    // Bun.serve writes Date on every answer but those to HEAD; S3 dates them all, as RFC 9110
    // (section 6.6.1) asks of a server with a clock.
    if (req.method === "HEAD" && !response.headers.has("date")) {
      response.headers.set("date", httpDateNow(Date.now()));
    }
    const { auth, target } = current;
    const principal = auth?.principal;
    const headers = response.headers;
    // Optional fields are undefined rather than absent (no object spreads on every request):
    // the JSON line is the same either way.
    const versionId =
      headers.get("x-amz-version-id") ?? (target?.rawQuery ? target.query.get("versionId") : null);
    deps.log({
      time: toIsoTime(Date.now()),
      requestId: current.requestId,
      remoteIp,
      principal: principal?.name ?? "",
      principalKind: principal?.kind ?? "",
      sessionArn: principal?.session?.arn,
      roleArn: principal?.session?.roleArn,
      accountId: principal && principal.kind !== "anonymous" ? accountOf(principal) : undefined,
      federated: federatedOf(principal?.session, auth?.kind === "anonymous"),
      accessKeyId: principal?.accessKeyId ?? "",
      signatureVersion: auth?.kind === "sigv4" ? auth.signatureVersion || undefined : undefined,
      operation: current.protocol.operationName(current),
      method: req.method,
      bucket: target?.bucket ?? "",
      key: target?.key ?? "",
      versionId: versionId || undefined,
      status: response.status,
      errorCode: current.errorCode,
      bytesIn: current.bytesIn,
      bytesOut: Number(headers.get("content-length") ?? 0),
      durationMs: Math.round((performance.now() - current.started) * 1000) / 1000,
      userAgent: req.headers.get("user-agent") ?? "",
      requestHeaders: loggedRequestHeadersOf(req.headers),
      responseHeaders: loggedResponseHeadersOf(headers),
    });
  };

  const middleware: MiddlewareHandler<ExchangeEnv> = async (c, next) => {
    const current = newExchange(initial);
    c.set("exchange", current);
    try {
      await next();
    } catch (caught) {
      // Hono hands thrown Errors to onError; anything else thrown arrives here.
      c.res = await onError(caught as Error, c);
    }
    settle(current, c.req.raw, c.res, c.env.remoteIp);
  };

  return { middleware, onError, fail, settle };
}
