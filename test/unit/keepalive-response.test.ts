import { describe, expect, test } from "bun:test";
import { S3Error } from "../../src/s3/errors.ts";
import { keepAliveResponse } from "../../src/s3/keepalive-response.ts";

const options = {
  firstByteAfterMs: 50,
  intervalMs: 20,
  errorXml: (e: unknown) => `<Error><Code>${(e as S3Error).code}</Code></Error>`,
};

describe("keep-alive responses for long completions", () => {
  test("fast work: an ordinary XML response", async () => {
    const r = await keepAliveResponse(Promise.resolve("<Done/>"), options);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<Done/>');
  });

  test("fast failure: the error is thrown for the pipeline to render with its status", async () => {
    const failing = Promise.reject(new S3Error("InvalidPart"));
    await expect(keepAliveResponse(failing, options)).rejects.toBeInstanceOf(S3Error);
  });

  test("slow work: 200 at once, spaces while waiting, then the document", async () => {
    const work = Promise.withResolvers<string>();
    // The response is there while the work is still pending: its status went out at once.
    const r = await keepAliveResponse(work.promise, options);
    expect(r.status).toBe(200);
    const reader = r.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    // Read until a keep-alive space has gone out, however late the timers run; then finish the work.
    while (!text.endsWith(" ")) {
      const { done, value } = await reader.read();
      expect(done).toBe(false);
      text += decoder.decode(value);
    }
    work.resolve("<Done/>");
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n +<Done\/>$/);
  });

  test("slow failure: an <Error> document inside the 200", async () => {
    const work = Promise.withResolvers<string>();
    const r = await keepAliveResponse(work.promise, options);
    expect(r.status).toBe(200);
    // The 200 went out before the work failed.
    work.reject(new S3Error("EntityTooSmall"));
    const text = await r.text();
    expect(text).toMatch(/^<\?xml[^>]*\?>\n *<Error><Code>EntityTooSmall<\/Code><\/Error>$/);
  });
});
