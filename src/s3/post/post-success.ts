import type { S3Context } from "../context.ts";
import { emptyResponse, quoteEtag, xmlResponse } from "../responses.ts";
import { xmlEscape } from "../xml/escape.ts";

/** The object's URL, as S3 gives it in the Location header and the PostResponse document. */
function locationOf(ctx: S3Context, key: string): string {
  const { target } = ctx;
  const scheme = ctx.req.url.startsWith("https:") ? "https" : "http";
  const path = key.split("/").map(encodeURIComponent).join("/");
  return target.virtualHosted
    ? `${scheme}://${target.host}/${path}`
    : `${scheme}://${target.host}/${encodeURIComponent(target.bucket)}/${path}`;
}

/** success_action_redirect (or the older `redirect`) when it is a URL S3 can use. */
function redirectUrl(value: string | undefined): URL | undefined {
  if (value === undefined || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
}

/**
 * The answer to a stored POST upload: a 303 to success_action_redirect with bucket, key and etag
 * added to its query; else success_action_status 200 or 204 (empty) or 201 (the PostResponse
 * document); 204 for any other value or none.
 */
export function postSuccess(
  ctx: S3Context,
  key: string,
  etag: string,
  get: (name: string) => string | undefined,
  headers: Record<string, string>,
): Response {
  const location = locationOf(ctx, key);
  const redirect = redirectUrl(get("success_action_redirect") ?? get("redirect"));
  if (redirect) {
    redirect.searchParams.append("bucket", ctx.target.bucket);
    redirect.searchParams.append("key", key);
    redirect.searchParams.append("etag", quoteEtag(etag));
    return emptyResponse(303, { ...headers, location: redirect.toString() });
  }
  const status = get("success_action_status");
  if (status === "201") {
    const xml =
      `<PostResponse><Location>${xmlEscape(location)}</Location>` +
      `<Bucket>${xmlEscape(ctx.target.bucket)}</Bucket><Key>${xmlEscape(key)}</Key>` +
      `<ETag>${xmlEscape(quoteEtag(etag))}</ETag></PostResponse>`;
    return xmlResponse(xml, 201, { ...headers, location });
  }
  return emptyResponse(status === "200" ? 200 : 204, { ...headers, location });
}
