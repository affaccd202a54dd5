import { describe, expect, test } from "bun:test";
import { hasDotSegment, pathOfTarget } from "../../src/lib/dot-segments.ts";

describe("dot segments of a raw request path", () => {
  test("plain, percent-encoded and between encoded slashes", () => {
    for (const path of [
      "/b/../k",
      "/b/./k",
      "/b/k/..",
      "/..",
      "/b/%2e%2e/k",
      "/b/%2E./k",
      "/b/.%2e",
      "/b/%2e",
      "/b/a%2F..%2Fk",
      "/b/a%2f%2E%2E%2fk",
      "/b/a/..%2Fk",
    ]) {
      expect({ path, dot: hasDotSegment(path) }).toEqual({ path, dot: true });
    }
  });

  test("look-alikes are ordinary keys", () => {
    for (const path of [
      "/",
      "/b/k",
      "/b/...",
      "/b/..k",
      "/b/k..",
      "/b/.hidden",
      "/b/%252e%252e/k",
      "/b/a.b/c",
    ]) {
      expect({ path, dot: hasDotSegment(path) }).toEqual({ path, dot: false });
    }
  });

  test("the path of a request target, origin or absolute form", () => {
    expect(pathOfTarget("/b/x/../y?a=http://h/../z")).toBe("/b/x/../y");
    expect(pathOfTarget("/b/k")).toBe("/b/k");
    expect(pathOfTarget("http://host:9000/b/../k?x")).toBe("/b/../k");
    expect(pathOfTarget("http://host:9000")).toBe("/");
  });
});
