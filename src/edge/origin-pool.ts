/**
 * Forwards a request to the first origin host that answers, streaming the body both ways. A host
 * that fails to connect is skipped for a while by every later request of this isolate.
 */
import { S3Error } from "../s3/errors.ts";

const downUntil = new Map<string, number>();

/** A body up to this size is held while it is sent, so it can go to the next host if one fails. */
const replayableBodyBytes = 8 * 1024 * 1024;

export interface ForwardOptions {
  origins: readonly string[];
  /** How long a failed origin is skipped. */
  retryMs: number;
}

/**
 * Sends `path` + `query` to the origins in turn. The Host the client signed travels as
 * X-Forwarded-Host, which the hosts honour from trusted proxies only (see docs/edge.md).
 */
export async function forwardToOrigin(
  req: Request,
  target: { path: string; query: string; host: string; proto: string },
  options: ForwardOptions,
): Promise<Response> {
  const headers = new Headers(req.headers);
  headers.delete("host");
  // The client's 100-continue was answered on this side; sent on, the origin's interim 100 would
  // come back from fetch as the response. A host restores the header when it was signed.
  headers.delete("expect");
  headers.set("x-forwarded-host", target.host);
  headers.set("x-forwarded-proto", target.proto);
  const hasBody = req.body !== null && req.method !== "GET" && req.method !== "HEAD";
  const now = Date.now();
  // Hosts that failed recently go last, still tried when none of the others answers.
  const isDown = (o: string) => ((downUntil.get(o) ?? 0) > now ? 1 : 0);
  const ordered = [...options.origins].sort((a, b) => isDown(a) - isDown(b));
  const length = Number(req.headers.get("content-length") ?? Number.NaN);
  const replayable = hasBody && Number.isFinite(length) && length <= replayableBodyBytes;
  let body = hasBody ? req.body : null;
  let lastError: unknown;
  for (const origin of ordered) {
    let spare: typeof body = null;
    let sent = body;
    if (body !== null && replayable && origin !== ordered.at(-1)) [sent, spare] = body.tee();
    const url = `${origin}${target.path}${target.query === "" ? "" : `?${target.query}`}`;
    try {
      const response = await fetch(url, {
        method: req.method,
        headers,
        body: sent,
        redirect: "manual",
      });
      downUntil.delete(origin);
      void spare?.cancel();
      return response;
    } catch (e) {
      lastError = e;
      downUntil.set(origin, Date.now() + options.retryMs);
      // A large body already on its way cannot be sent again.
      if (body !== null && spare === null) break;
      body = spare;
    }
  }
  throw new S3Error("ServiceUnavailable", `No origin host answered: ${String(lastError)}`);
}
