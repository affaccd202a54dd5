import { renderErrorXml, type S3Error } from "./errors.ts";

const encoder = new TextEncoder();

/**
 * An S3 error as hosts and the edge answer it: the XML document with its Content-Length, or no body
 * for HEAD (the code then in `x-amz-error-code`) and for 304 Not Modified. The caller adds the
 * request id header.
 */
export function s3ErrorResponse(
  error: S3Error,
  method: string,
  resource: string,
  requestId: string,
): Response {
  const headers = new Headers(error.headers);
  if (method === "HEAD" || error.status === 304) {
    if (error.code !== "NotModified") headers.set("x-amz-error-code", error.code);
    return new Response(null, { status: error.status, headers });
  }
  headers.set("content-type", "application/xml");
  const body = encoder.encode(renderErrorXml(error, resource, requestId));
  headers.set("content-length", String(body.byteLength));
  return new Response(body, { status: error.status, headers });
}
