/** The streaming reader of POST Object forms and the POST policy checks. */
import { describe, expect, test } from "bun:test";
import { S3Error } from "../../src/s3/errors.ts";
import { formBoundary, maxPreFileBytes, readForm } from "../../src/s3/post/multipart-form.ts";
import { checkPostPolicy, parsePostPolicy } from "../../src/s3/post/post-policy.ts";

const encoder = new TextEncoder();

/** A stream that hands out `body` in pieces of `size` bytes. */
function chunked(body: string | Uint8Array, size: number): ReadableStream<Uint8Array> {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

const boundary = "----form7MA4YWxkTrZu0gW";

function form(parts: string[], end = `--${boundary}--\r\n`): string {
  return parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("") + end;
}

const field = (name: string, value: string) =>
  `Content-Disposition: form-data; name="${name}"\r\n\r\n${value}`;
const file = (content: string, filename = "a.txt") =>
  `Content-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/plain\r\n\r\n${content}`;

async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (e) {
    if (e instanceof S3Error) return e.code;
    throw e;
  }
  return "no error";
}

describe("readForm", () => {
  test("fields before the file, the file's bytes and name, in pieces of any size; fields after it ignored", async () => {
    // The content holds a near-boundary: only CRLF + `--` + the whole boundary ends the file.
    const content = `line one\r\n--${boundary.slice(0, 10)} not the end\r\n`;
    const body = form([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's ${filename} variable
      field("key", "k/${filename}"),
      field("Content-Type", "text/plain"),
      file(content, "C:\\x\\r.txt"),
      field("late", "1"),
    ]);
    for (const size of [1, 2, 7, 64, 100_000]) {
      const parsed = await readForm(chunked(body, size), boundary);
      expect(parsed.fields).toEqual([
        // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's ${filename} variable
        { name: "key", value: "k/${filename}" },
        { name: "Content-Type", value: "text/plain" },
      ]);
      expect(parsed.file?.filename).toBe("r.txt");
      expect(parsed.file?.contentType).toBe("text/plain");
      expect(await new Response(parsed.file?.stream).text()).toBe(content);
    }
  });

  test("a form without a file; a form that ends inside the file is malformed", async () => {
    expect((await readForm(chunked(form([field("key", "a")]), 3), boundary)).file).toBeUndefined();
    const cut = `--${boundary}\r\n${file("never ends")}`;
    const parsed = await readForm(chunked(cut, 4), boundary);
    expect(await refusal(() => new Response(parsed.file?.stream).text())).toBe("MalformedPOSTRequest");
  });

  test("fields before the file over 20 KB are refused before the file is read", async () => {
    const big = form([field("x-ignore-a", "a".repeat(maxPreFileBytes)), file("x")]);
    expect(await refusal(() => readForm(chunked(big, 1024), boundary))).toBe("MaxPostPreDataLengthExceeded");
  });

  test("the boundary of a Content-Type", () => {
    expect(formBoundary(`multipart/form-data; boundary="${boundary}"`)).toBe(boundary);
    expect(formBoundary("Multipart/Form-Data;boundary=abc")).toBe("abc");
    expect(formBoundary("application/x-www-form-urlencoded")).toBeUndefined();
    expect(formBoundary("multipart/form-data")).toBeUndefined();
  });
});

describe("POST policy", () => {
  const encode = (doc: unknown) => Buffer.from(JSON.stringify(doc)).toString("base64");
  const check = (conditions: unknown[], fields: [string, string][]) =>
    checkPostPolicy(parsePostPolicy(encode({ expiration: "2099-01-01T00:00:00Z", conditions })), {
      fields: fields.map(([name, value]) => ({ name, value })),
      bucket: "b",
      exempt: new Set(["policy", "x-amz-signature", "file"]),
      filename: "",
      now: new Date(),
    });
  const message = (run: () => unknown) => {
    try {
      run();
    } catch (e) {
      return (e as S3Error).message;
    }
    return "no error";
  };

  test("condition names are case-insensitive; Content-Type starts-with holds for each listed type", () => {
    expect(
      check([["starts-with", "$Content-Type", "image/"]], [["content-type", "image/png, image/jpeg"]]),
    ).toEqual({
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
    });
    expect(
      message(() =>
        check([["starts-with", "$Content-Type", "image/"]], [["Content-Type", "image/png, text/html"]]),
      ),
    ).toBe(
      'Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"]',
    );
  });

  test("x-ignore- fields need no condition; ranges narrow each other", () => {
    expect(
      check(
        [
          ["content-length-range", 1, 100],
          ["content-length-range", "5", "50"],
        ],
        [["x-ignore-flash", "1"]],
      ),
    ).toEqual({ min: 5, max: 50 });
  });

  test("a policy that is not one", () => {
    const parse = (text: string) => message(() => parsePostPolicy(text));
    expect(parse(Buffer.from("{").toString("base64"))).toBe("Invalid Policy: Invalid JSON.");
    expect(parse(encode({ conditions: [] }))).toBe("Invalid Policy: Policy missing expiration.");
    expect(parse(encode({ expiration: "2099-01-01T00:00:00Z" }))).toBe(
      "Invalid Policy: Policy missing conditions.",
    );
    expect(parse(encode({ expiration: "soon", conditions: [] }))).toBe(
      "Invalid Policy: Invalid 'expiration' value: 'soon'",
    );
    expect(parse(encode({ expiration: "2099-01-01T00:00:00Z", conditions: [["in", "$key", "a"]] }))).toBe(
      'Invalid Policy: Invalid Condition: ["in", "$key", "a"]',
    );
  });
});

test("readForm: part headers count toward the 20 KB before the file (many empty fields)", async () => {
  const many = form([...Array.from({ length: 1000 }, () => field("", "")), file("x")]);
  expect(await refusal(() => readForm(chunked(many, 4096), boundary))).toBe("MaxPostPreDataLengthExceeded");
});
