export const s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";
const xmlDeclaration = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** An XML response; `body` is the document without the XML declaration. */
const encoder = new TextEncoder();

/** An XML response; `body` is the document without the XML declaration. Carries Content-Length. */
export function xmlResponse(body: string, status = 200, headers?: Record<string, string>): Response {
  const bytes = encoder.encode(xmlDeclaration + body);
  return new Response(bytes, {
    status,
    headers: { "content-type": "application/xml", "content-length": String(bytes.byteLength), ...headers },
  });
}

export function emptyResponse(status = 200, headers?: HeadersInit): Response {
  return new Response(null, { status, headers });
}

/** Quotes an ETag for headers and XML. */
export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

/** Removes surrounding quotes (and a weak prefix) from an ETag a client sent. */
export function unquoteEtag(etag: string): string {
  let e = etag.trim();
  if (e.startsWith("W/")) e = e.slice(2);
  if (e.length >= 2 && e.startsWith('"') && e.endsWith('"')) e = e.slice(1, -1);
  return e;
}
