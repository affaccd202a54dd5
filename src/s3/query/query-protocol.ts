import type { Protocol } from "../exchange.ts";
import { QueryError, toQueryError } from "./query-error.ts";
import { type QueryService, renderQueryError } from "./query-xml.ts";

const encoder = new TextEncoder();

/** A Query protocol answer: XML as text/xml with its Content-Length. */
export function queryXmlResponse(xml: string, status = 200): Response {
  const body = encoder.encode(xml);
  return new Response(body, {
    status,
    headers: { "content-type": "text/xml", "content-length": String(body.byteLength) },
  });
}

function queryProtocol(service: QueryService): Protocol {
  return {
    requestIdHeader: "x-amzn-requestid",
    operationName: (exchange) => `${service}:${exchange.operation || "Unknown"}`,
    errorOf(caught, _req, exchange) {
      const error =
        toQueryError(caught) ?? new QueryError("InternalFailure", "An internal error occurred.", 500);
      const xml = renderQueryError(service, error.code, error.message, error.status, exchange.requestId);
      return {
        response: queryXmlResponse(xml, error.status),
        code: error.code,
        internal: error.status === 500 && !(caught instanceof QueryError),
      };
    },
  };
}

/** The Query protocol of each service: `x-amzn-requestid`, errors as `<ErrorResponse>` in its namespace. */
export const queryProtocols: Record<QueryService, Protocol> = {
  sts: queryProtocol("sts"),
  iam: queryProtocol("iam"),
};
