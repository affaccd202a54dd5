/** CORS rule matching and the headers a rule gives (src/s3/cors/cors-rules.ts). */
import { describe, expect, test } from "bun:test";
import {
  type CorsRule,
  corsResponseHeaders,
  findCorsRule,
  parseStoredCorsRules,
  requestedHeadersOf,
  serializeCorsRules,
  wildcardMatches,
} from "../../src/s3/cors/cors-rules.ts";

const rule = (r: Partial<CorsRule>): CorsRule => ({
  allowedMethods: ["GET"],
  allowedOrigins: ["*"],
  allowedHeaders: [],
  exposeHeaders: [],
  ...r,
});

describe("wildcards", () => {
  test.each([
    ["*", "http://a", true],
    ["http://*.example", "http://a.example", true],
    ["http://*.example", "https://a.example", false],
    ["http://*example", "http://example", true],
    ["ab*ba", "aba", false],
    ["http://a.example", "http://a.example", true],
    ["http://a.example", "http://A.example", false],
  ])("%s against %s → %p", (pattern, value, expected) => {
    expect(wildcardMatches(pattern, value)).toBe(expected);
  });
});

describe("findCorsRule", () => {
  const rules = [
    rule({ id: "a", allowedOrigins: ["http://a.example"], allowedHeaders: ["Content-*"] }),
    rule({ id: "b", allowedMethods: ["GET", "PUT"], allowedOrigins: ["*"] }),
  ];
  test("the first rule whose origin, method and every requested header match", () => {
    expect(findCorsRule(rules, "http://a.example", "GET", ["content-type"])?.id).toBe("a");
    expect(findCorsRule(rules, "http://a.example", "GET", ["content-type", "x-other"])).toBeUndefined();
    expect(findCorsRule(rules, "http://a.example", "PUT")?.id).toBe("b");
    expect(findCorsRule(rules, "http://z.example", "GET")?.id).toBe("b");
    expect(findCorsRule(rules, "http://z.example", "DELETE")).toBeUndefined();
  });

  test("requested headers are split, trimmed and lower-cased", () => {
    expect(requestedHeadersOf(" Content-Type ,X-Amz-Date,, ")).toEqual(["content-type", "x-amz-date"]);
    expect(requestedHeadersOf(null)).toEqual([]);
  });
});

describe("response headers", () => {
  test("a specific origin is echoed with credentials; * is answered as *", () => {
    const specific = rule({
      allowedOrigins: ["http://a.example"],
      exposeHeaders: ["ETag"],
      maxAgeSeconds: 0,
    });
    expect(corsResponseHeaders(specific, "http://a.example", ["range"])).toEqual({
      "access-control-allow-origin": "http://a.example",
      "access-control-allow-credentials": "true",
      "access-control-allow-methods": "GET",
      "access-control-allow-headers": "range",
      "access-control-expose-headers": "ETag",
      "access-control-max-age": "0",
      vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    });
    const any = corsResponseHeaders(rule({}), "http://a.example");
    expect(any["access-control-allow-origin"]).toBe("*");
    expect(any["access-control-allow-credentials"]).toBeUndefined();
  });
});

describe("stored rules", () => {
  test("round trip; a document that is not a list of rules allows nothing", () => {
    const rules = [rule({ id: "x", maxAgeSeconds: 5 }), rule({ allowedMethods: ["PUT", "POST"] })];
    expect(parseStoredCorsRules(serializeCorsRules(rules))).toEqual(rules);
    expect(parseStoredCorsRules("{")).toBeUndefined();
    expect(
      parseStoredCorsRules(
        '[{"allowedMethods":["PATCH"],"allowedOrigins":[],"allowedHeaders":[],"exposeHeaders":[]}]',
      ),
    ).toBeUndefined();
  });
});
