/**
 * STS and IAM through the edge. The Query API is a form POSTed to `/`, signed for service "sts" or
 * "iam" over the hash of its body (src/s3/query/query-pipeline.ts): the edge reads the small form,
 * hashes it, checks the signature like the hosts do, and sends the same bytes on.
 */
import { sha256Hex } from "../lib/sha256.ts";
import { S3Error } from "../s3/errors.ts";
import { renderQueryError } from "../s3/query/query-xml.ts";
import { newRequestId } from "../s3/request-id.ts";

/** The services a Query API request may be signed for, as the hosts accept them. */
export const queryServices = ["sts", "iam"] as const;

/** A form larger than this is refused at the edge (a policy document is a few KB at most). */
export const maxQueryBodyBytes = 1024 * 1024;
const tooLarge = "The request body is larger than 1 MiB";

export function isQueryApiRequest(method: string, path: string, headers: Headers): boolean {
  return (
    method === "POST" &&
    path === "/" &&
    /^application\/x-www-form-urlencoded\b/i.test(headers.get("content-type") ?? "")
  );
}

/** The whole body, refused once it passes maxQueryBodyBytes (a chunked body declares no length). */
async function readBounded(stream: ReadableStream<Uint8Array> | null): Promise<Uint8Array<ArrayBuffer>> {
  if (stream === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxQueryBodyBytes) {
      await reader.cancel();
      throw new S3Error("EntityTooLarge", tooLarge);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** The request with its body held in memory, and the body's SHA-256 for the signature check. */
export async function bufferQueryRequest(
  req: Request,
): Promise<{ request: Request; bodySha256: string; form: string }> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxQueryBodyBytes) throw new S3Error("EntityTooLarge", tooLarge);
  const body = await readBounded(req.body);
  return {
    request: new Request(req.url, { method: req.method, headers: req.headers, body }),
    bodySha256: await sha256Hex(body),
    form: new TextDecoder().decode(body),
  };
}

/** The service a form's signature is scoped to (`Credential=AKID/date/region/SERVICE/aws4_request`). */
function signedService(headers: Headers, query: string): string | undefined {
  const header = /\bCredential=[^/,\s]+\/\d{8}\/[^/,\s]+\/([a-z]+)\//.exec(
    headers.get("authorization") ?? "",
  );
  if (header) return header[1];
  const scope = new URLSearchParams(query).get("X-Amz-Credential")?.split("/");
  return scope?.length === 5 ? scope[3] : undefined;
}

/**
 * A refusal as the hosts give it in the Query protocol: `<ErrorResponse>` in the namespace of the
 * service the form names (IAM's Version, else STS), which the STS and IAM SDKs read. A form refused
 * before it was read (too large) is answered for the service its signature is scoped to.
 */
export function queryRefusal(
  error: S3Error,
  form: string,
  signed: { headers: Headers; query: string },
): Response {
  const version = new URLSearchParams(form).get("Version");
  const iam =
    version === null ? signedService(signed.headers, signed.query) === "iam" : version === "2010-05-08";
  const service = iam ? "iam" : "sts";
  const requestId = newRequestId();
  return new Response(renderQueryError(service, error.code, error.message, error.status, requestId), {
    status: error.status,
    headers: {
      "content-type": "text/xml",
      "x-amzn-requestid": requestId,
      "x-s3dir-edge": "refused",
    },
  });
}
