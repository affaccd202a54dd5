import { describe, expect, test } from "bun:test";
import { parseTrustedProxies, signedHeadersOf } from "../../src/s3/forwarded-host.ts";

const forwarded = () => new Headers({ host: "10.0.0.5:9000", "x-forwarded-host": "edge.example.com" });

describe("forwarded host", () => {
  test("a trusted proxy's X-Forwarded-Host becomes the Host the signature is checked against", () => {
    const trusted = parseTrustedProxies("127.0.0.1, 10.1.0.0/16");
    expect(signedHeadersOf(forwarded(), "127.0.0.1", trusted).get("host")).toBe("edge.example.com");
    expect(signedHeadersOf(forwarded(), "10.1.200.3", trusted).get("host")).toBe("edge.example.com");
    expect(signedHeadersOf(forwarded(), "::ffff:127.0.0.1", trusted).get("host")).toBe("edge.example.com");
  });

  test("anyone else's X-Forwarded-Host is ignored", () => {
    const trusted = parseTrustedProxies("10.1.0.0/16");
    const headers = forwarded();
    expect(signedHeadersOf(headers, "10.2.0.1", trusted)).toBe(headers);
    expect(signedHeadersOf(headers, "127.0.0.1", [])).toBe(headers);
    expect(signedHeadersOf(headers, "", trusted)).toBe(headers);
  });

  test("the first of a chain is taken; a malformed one is ignored", () => {
    const trusted = parseTrustedProxies("127.0.0.1");
    const chain = new Headers({ host: "h", "x-forwarded-host": "a.example, b.example" });
    expect(signedHeadersOf(chain, "127.0.0.1", trusted).get("host")).toBe("a.example");
    const bad = new Headers({ host: "h", "x-forwarded-host": "evil.example/path" });
    expect(signedHeadersOf(bad, "127.0.0.1", trusted).get("host")).toBe("h");
    const none = new Headers({ host: "h" });
    expect(signedHeadersOf(none, "127.0.0.1", trusted)).toBe(none);
  });

  test("the request's own headers are never changed", () => {
    const headers = forwarded();
    signedHeadersOf(headers, "127.0.0.1", parseTrustedProxies("127.0.0.1"));
    expect(headers.get("host")).toBe("10.0.0.5:9000");
  });

  test("the proxy list is addresses or CIDR blocks", () => {
    expect(parseTrustedProxies("")).toEqual([]);
    expect(parseTrustedProxies(" 127.0.0.1 , ::1 ,10.0.0.0/8").length).toBe(3);
    expect(() => parseTrustedProxies("10.0.0.0/8,not-an-ip")).toThrow(/not-an-ip/);
  });
});
