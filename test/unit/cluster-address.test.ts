import { describe, expect, test } from "bun:test";
import { hostUrl, parseHostAddress, parseScheme } from "../../src/cluster/host-address.ts";

describe("parseHostAddress", () => {
  test("accepts names, IPv4 and bracketed IPv6, and normalizes them", () => {
    expect(parseHostAddress("s3-1.Example.com:9000")).toBe("s3-1.example.com:9000");
    expect(parseHostAddress("localhost:1")).toBe("localhost:1");
    expect(parseHostAddress(" 10.0.0.7:09000 ")).toBe("10.0.0.7:9000");
    expect(parseHostAddress("[FD00::7]:65535")).toBe("[fd00::7]:65535");
    expect(parseHostAddress("[::ffff:10.0.0.1]:80")).toBe("[::ffff:10.0.0.1]:80");
  });

  test("refuses what is not HOST:PORT", () => {
    for (const bad of ["", "host", ":9000", "host:", "host:port", "host:123456", "http://h:1", "h:1/x"]) {
      expect(() => parseHostAddress(bad)).toThrow();
    }
    expect(() => parseHostAddress("h:0")).toThrow(/1-65535/);
    expect(() => parseHostAddress("h:65536")).toThrow(/1-65535/);
    expect(() => parseHostAddress("under_score:1")).toThrow(/not a host name/);
    expect(() => parseHostAddress("-lead.example:1")).toThrow(/not a host name/);
    expect(() => parseHostAddress("a..b:1")).toThrow(/not a host name/);
    expect(() => parseHostAddress("10.0.0.256:1")).toThrow(/not a host name/);
    expect(() => parseHostAddress("fd00::7:9000")).toThrow();
    expect(() => parseHostAddress("[zz::1]:9000")).toThrow(/not a host name/);
    expect(() => parseHostAddress(`${"a".repeat(64)}.example:1`)).toThrow(/not a host name/);
  });
});

describe("parseScheme and hostUrl", () => {
  test("http by default, https when asked, nothing else", () => {
    expect(parseScheme(undefined)).toBe("http");
    expect(parseScheme("https")).toBe("https");
    expect(() => parseScheme("ftp")).toThrow(/http or https/);
    expect(hostUrl({ address: "[fd00::7]:9000", scheme: "https" })).toBe("https://[fd00::7]:9000");
  });
});
