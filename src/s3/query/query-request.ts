import { QueryError } from "./query-error.ts";

/** Largest Query API body accepted: policies are at most a few KiB, even when percent-encoded. */
export const maxQueryBodyBytes = 256 * 1024;

/**
 * A request of the AWS Query protocol (STS, IAM): a form-encoded POST to "/". S3 never takes one:
 * its only form POST (browser uploads) is multipart/form-data to a bucket.
 */
export function isQueryRequest(req: Request, path: string): boolean {
  if (req.method !== "POST" || path !== "/") return false;
  const type = req.headers.get("content-type") ?? "";
  return type.toLowerCase().startsWith("application/x-www-form-urlencoded");
}

/**
 * Reads the whole (small) body, refusing more than maxQueryBodyBytes; the text must be UTF-8.
 * The body must arrive within `timeoutMs` (the --body-timeout window; 0 for none): a client that
 * trickles it is cut off with RequestTimeout instead of holding the connection and its buffers.
 */
export async function readQueryBody(
  req: Request,
  timeoutMs = 0,
  maxBytes = maxQueryBodyBytes,
): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (req.body) {
    const reader = req.body.getReader();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"expired">((resolve) => {
      if (timeoutMs > 0) timer = setTimeout(() => resolve("expired"), timeoutMs);
    });
    try {
      for (;;) {
        const next = await Promise.race([reader.read(), expired]);
        if (next === "expired") throw timedOut();
        if (next.done) break;
        total += next.value.byteLength;
        if (total > maxBytes) throw tooLarge();
        chunks.push(next.value);
      }
    } catch (e) {
      chunks.length = 0;
      await reader.cancel().catch(() => {});
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new QueryError("MalformedQueryString", "The request body is not valid UTF-8.");
  }
}

function timedOut(): QueryError {
  return new QueryError(
    "RequestTimeout",
    "Your socket connection to the server was not read from or written to within the timeout period.",
  );
}

function tooLarge(): QueryError {
  return new QueryError("RequestEntityTooLarge", `The request body exceeds ${maxQueryBodyBytes} bytes.`, 413);
}
