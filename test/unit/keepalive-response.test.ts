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
    expect(keepAliveResponse(failing, options)).rejects.toBeInstanceOf(S3Error);
  });

  test("slow work: 200 at once, spaces while waiting, then the document", async () => {
    const work = Promise.withResolvers<string>();
    // The response is there while the work is still pending: its status went out at once.
    const r = await keepAliveResponse(work.promise, options);
    expect(r.status).toBe(200);
    const text = r.text();
    await Bun.sleep(120); // long enough for at least one keep-alive space after the first byte
    work.resolve("<Done/>");
    expect(await text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n {2,}<Done\/>$/);
  });

  test("slow failure: an <Error> document inside the 200", async () => {
    const r = await keepAliveResponse(
      Bun.sleep(120).then(() => {
        throw new S3Error("EntityTooSmall");
      }),
      options,
    );
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).toMatch(/^<\?xml[^>]*\?>\n +<Error><Code>EntityTooSmall<\/Code><\/Error>$/);
  });
});
