/** A refusal at the edge, rendered as the hosts render it (`renderErrorXml`). */
import { renderErrorXml, type S3Error } from "../s3/errors.ts";

export function edgeErrorResponse(error: S3Error, method: string, resource: string): Response {
  const requestId = newRequestId();
  const headers = new Headers(error.headers);
  headers.set("x-amz-request-id", requestId);
  headers.set("x-s3dir-edge", "refused");
  if (method === "HEAD") {
    headers.set("x-amz-error-code", error.code);
    return new Response(null, { status: error.status, headers });
  }
  headers.set("content-type", "application/xml");
  return new Response(renderErrorXml(error, resource, requestId), { status: error.status, headers });
}

function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();
}
