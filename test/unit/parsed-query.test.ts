import { describe, expect, test } from "bun:test";
import { ParsedQuery } from "../../src/lib/parsed-query.ts";

describe("parsed query", () => {
  test("reads as URLSearchParams does for what S3 clients send", () => {
    for (const raw of [
      "",
      "acl",
      "versioning=",
      "uploads&prefix=a%2Fb+c&max-keys=10",
      "list-type=2&prefix=%C3%BC&prefix=second&delimiter=%2F",
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&x-id=GetObject",
      "response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22&versionId=abc",
    ]) {
      const parsed = ParsedQuery.of(raw);
      const reference = new URLSearchParams(raw);
      expect([...parsed]).toEqual([...reference]);
      expect([...parsed.keys()]).toEqual([...reference.keys()]);
      for (const name of ["acl", "prefix", "versionId", "missing", "X-Amz-Credential"]) {
        expect(parsed.get(name)).toBe(reference.get(name));
        expect(parsed.has(name)).toBe(reference.has(name));
      }
    }
  });

  test("keeps each component as sent for the signature check", () => {
    const { params } = ParsedQuery.of("a=b%2Fc&x+y=1");
    expect(params).toEqual([
      { name: "a", value: "b/c", rawName: "a", rawValue: "b%2Fc" },
      { name: "x y", value: "1", rawName: "x+y", rawValue: "1" },
    ]);
  });
});
