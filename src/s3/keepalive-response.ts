/**
 * A response for work that may take long (CompleteMultipartUpload of a large object): when the
 * work finishes within `firstByteAfterMs`, an ordinary response (or the error is thrown for the
 * pipeline to render). Otherwise S3's way: 200 and the XML declaration at once, a space every
 * `intervalMs` so that clients and proxies do not time the connection out, then the result
 * document — or, for an error found after the 200 went out, an <Error> document, which SDKs
 * recognise in a 200 response to this operation.
 */
import { xmlResponse } from "./responses.ts";

const xmlDeclaration = '<?xml version="1.0" encoding="UTF-8"?>\n';

export interface KeepAliveOptions {
  firstByteAfterMs: number;
  intervalMs: number;
  /** The <Error> document for an error found after the 200 was sent (without XML declaration). */
  errorXml: (error: unknown) => string;
  /** Headers of the success response (sent with the first byte, so known before the work ends). */
  headers?: Record<string, string>;
  /** More headers known once the work is done: sent only when it ends before the first byte. */
  lateHeaders?: () => Record<string, string>;
}

type Settled = { ok: true; body: string } | { ok: false; error: unknown };

/** `work` resolves to the result document without its XML declaration. */
export async function keepAliveResponse(work: Promise<string>, options: KeepAliveOptions): Promise<Response> {
  const settled: Promise<Settled> = work.then(
    (body) => ({ ok: true, body }),
    (error: unknown) => ({ ok: false, error }),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<"later">((resolve) => {
    timer = setTimeout(() => resolve("later"), options.firstByteAfterMs);
  });
  const first = await Promise.race([settled, waited]);
  clearTimeout(timer);
  if (first !== "later") {
    if (!first.ok) throw first.error;
    return xmlResponse(first.body, 200, { ...options.headers, ...options.lateHeaders?.() });
  }
  const encoder = new TextEncoder();
  let ping: ReturnType<typeof setInterval> | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(xmlDeclaration));
      ping = setInterval(() => controller.enqueue(encoder.encode(" ")), options.intervalMs);
      void settled.then((outcome) => {
        clearInterval(ping);
        controller.enqueue(encoder.encode(outcome.ok ? outcome.body : options.errorXml(outcome.error)));
        controller.close();
      });
    },
    cancel() {
      clearInterval(ping);
    },
  });
  return new Response(stream, {
    status: 200,
    headers: { ...options.headers, "content-type": "application/xml" },
  });
}
