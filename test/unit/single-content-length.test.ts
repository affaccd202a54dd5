import { describe, expect, test } from "bun:test";
import { withSingleContentLength } from "../../src/s3/single-content-length.ts";

function put(contentLength: string): Request {
  return new Request("http://127.0.0.1/b/k", {
    method: "PUT",
    headers: { "content-length": contentLength, "x-amz-meta-a": "1" },
    body: "1234567",
  });
}

describe("withSingleContentLength", () => {
  test("one length sent twice (combined as '7, 7') becomes that length, other headers and the body kept", async () => {
    const single = withSingleContentLength(put("7, 7"));
    expect(single.headers.get("content-length")).toBe("7");
    expect(single.headers.get("x-amz-meta-a")).toBe("1");
    expect(await single.text()).toBe("1234567");
  });

  test("a single length, different lengths and non-numbers are left as sent", () => {
    for (const value of ["7", "7, 8", "x, x", ", "]) {
      const req = put(value);
      expect(withSingleContentLength(req)).toBe(req);
    }
    const none = new Request("http://127.0.0.1/b/k");
    expect(withSingleContentLength(none)).toBe(none);
  });
});
