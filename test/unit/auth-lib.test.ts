import { describe, expect, test } from "bun:test";
import { AwsV4Signer } from "aws4fetch";
import { authenticate } from "../../src/auth/authenticate.ts";
import { signingKeyFor } from "../../src/auth/signing-key-cache.ts";
import type { Credential } from "../../src/auth/types.ts";
import { formatAmzDate, parseAmzDate } from "../../src/lib/amz-date.ts";
import { isLowerHex64, toHex } from "../../src/lib/hex.ts";
import { presignUrl } from "../../src/lib/presign.ts";
import { EMPTY_SHA256_HEX, sha256Hex } from "../../src/lib/sha256.ts";
import {
  canonicalHeaderValue,
  canonicalQuery,
  canonicalUri,
  parseQuery,
} from "../../src/lib/sigv4-canonical.ts";
import { timingSafeEqual } from "../../src/lib/timing-safe-equal.ts";
import { decodePercent, encodeRfc3986 } from "../../src/lib/uri-encode.ts";

describe("small helpers", () => {
  test("hex and sha256", async () => {
    expect(toHex(new Uint8Array([0, 1, 15, 16, 255]))).toBe("00010f10ff");
    expect(await sha256Hex("")).toBe(EMPTY_SHA256_HEX);
    expect(await sha256Hex(new TextEncoder().encode("abc"))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(isLowerHex64(EMPTY_SHA256_HEX)).toBe(true);
    expect(isLowerHex64(EMPTY_SHA256_HEX.toUpperCase())).toBe(false);
  });

  test("timing-safe equal", () => {
    expect(timingSafeEqual("abc", "abc")).toBe(true);
    expect(timingSafeEqual("abc", "abd")).toBe(false);
    expect(timingSafeEqual("abc", "abcd")).toBe(false);
    expect(timingSafeEqual("", "")).toBe(true);
  });

  test("RFC 3986 encoding", () => {
    expect(encodeRfc3986("AZaz09-._~")).toBe("AZaz09-._~");
    expect(encodeRfc3986("a b+c/d!'()*é")).toBe("a%20b%2Bc%2Fd%21%27%28%29%2A%C3%A9");
    expect(decodePercent("%zz")).toBe("%zz");
    expect(decodePercent("a%2Fb")).toBe("a/b");
  });

  test("amz dates", () => {
    expect(parseAmzDate("20260101T120000Z")?.toISOString()).toBe("2026-01-01T12:00:00.000Z");
    for (const bad of [
      "20260231T000000Z",
      "20260101T240000Z",
      "20260101T126000Z",
      "2026-01-01T12:00:00Z",
      "",
    ]) {
      expect(parseAmzDate(bad)).toBeUndefined();
    }
    expect(formatAmzDate(new Date("2026-01-01T12:00:00.123Z"))).toBe("20260101T120000Z");
  });
});

describe("canonical forms", () => {
  test("URI: decoded once, encoded once, never normalized", () => {
    expect(canonicalUri("")).toBe("/");
    expect(canonicalUri("/")).toBe("/");
    expect(canonicalUri("/b/a+b")).toBe("/b/a%2Bb");
    expect(canonicalUri("/b/a%2Fb")).toBe("/b/a%2Fb");
    expect(canonicalUri("/b/a%20b")).toBe("/b/a%20b");
    expect(canonicalUri("/b/%7Euser")).toBe("/b/~user");
    expect(canonicalUri("/b/%25")).toBe("/b/%25");
    expect(canonicalUri("/b/%zz")).toBe("/b/%25zz");
    expect(canonicalUri("/b//./../c")).toBe("/b//./../c");
    expect(canonicalUri("/b/%2e%2e")).toBe("/b/..");
    expect(canonicalUri("/b/caf%c3%a9")).toBe("/b/caf%C3%A9");
  });

  test("query: + is space, sorted by encoded name then value, valueless gets =", () => {
    const params = parseQuery("b=2&a=z&a=y&acl&c=x+y%2Bz&&=v&%7E=1");
    expect(params.map(({ name, value }) => ({ name, value }))).toEqual([
      { name: "b", value: "2" },
      { name: "a", value: "z" },
      { name: "a", value: "y" },
      { name: "acl", value: "" },
      { name: "c", value: "x y+z" },
      { name: "~", value: "1" },
    ]);
    expect(canonicalQuery(params)).toBe("a=y&a=z&acl=&b=2&c=x%20y%2Bz&~=1");
    expect(canonicalQuery(params, "b")).toBe("a=y&a=z&acl=&c=x%20y%2Bz&~=1");
    expect(canonicalQuery([])).toBe("");
  });

  test("query: a component sent in canonical form gives the same result as decoding and encoding it", () => {
    const raw = [
      "X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request",
      "a=%41%7e%7E%2d%5F",
      "b=%2f%2F%20%21%2A%27%28%29%00%7F",
      "c=%FF%fe%E2%82%AC%C3%A9",
      "d=%zz%2%&e=x+y&f=%25&%41%2F=1&g=caf\u00e9",
      "h=%E2%82&i=%ED%A0%80",
    ].join("&");
    const params = parseQuery(raw);
    const decodedOnly = params.map(({ name, value }) => ({ name, value }));
    expect(params.some((p) => p.rawName !== undefined)).toBe(true);
    expect(canonicalQuery(params)).toBe(canonicalQuery(decodedOnly));
    expect(canonicalQuery(params, "a")).toBe(canonicalQuery(decodedOnly, "a"));
    expect(canonicalQuery(parseQuery("X-Amz-Credential=AKID%2F20260101%2Fus-east-1"))).toBe(
      "X-Amz-Credential=AKID%2F20260101%2Fus-east-1",
    );
  });

  test("header values are trimmed and folded", () => {
    expect(canonicalHeaderValue("a  b\t\tc")).toBe("a b c");
    expect(canonicalHeaderValue("plain value")).toBe("plain value");
  });
});

describe("signing key cache", () => {
  test("returns the same key, synchronously once derived", async () => {
    const first = signingKeyFor("cache-secret", "20260101", "us-east-1", "s3");
    expect(first).toBeInstanceOf(Promise);
    const key = await first;
    expect(signingKeyFor("cache-secret", "20260101", "us-east-1", "s3")).toBe(key);
    expect(await signingKeyFor("cache-secret", "20260102", "us-east-1", "s3")).not.toBe(key);
  });
});

describe("presignUrl", () => {
  const credential: Credential = {
    accessKeyId: "AKIDPRESIGN",
    secretAccessKey: "presign/secret+key",
    principal: { kind: "root", name: "root", accessKeyId: "AKIDPRESIGN" },
  };
  const now = new Date("2026-03-04T05:06:07Z");
  const verify = (url: string, token?: string) => {
    const u = new URL(url);
    return authenticate(
      { method: "GET", path: u.pathname, query: u.search.slice(1), headers: new Headers({ host: u.host }) },
      async (id) => (id === credential.accessKeyId ? { ...credential, sessionToken: token } : undefined),
      { region: "eu-central-1", now },
    );
  };
  const options = {
    method: "GET",
    accessKeyId: credential.accessKeyId,
    secretAccessKey: credential.secretAccessKey,
    region: "eu-central-1",
    expiresSeconds: 900,
    now,
  };

  for (const path of ["/b/plain", "/b/a%2Fb", "/b/a%20b+c", "/b/caf%C3%A9//x", "/b/~x/!y", "/"]) {
    test(`round trip ${path}`, async () => {
      const url = await presignUrl({
        ...options,
        url: `http://127.0.0.1:8080${path}?x-id=GetObject&p=a+b&acl`,
      });
      const result = await verify(url);
      expect(result.kind).toBe("sigv4");
      if (result.kind === "sigv4") expect(result.presigned).toBe(true);
    });
  }

  test("agrees with aws4fetch", async () => {
    const url = "http://127.0.0.1:8080/b/some%20key.txt?versionId=3";
    const ours = new URL(await presignUrl({ ...options, url }));
    const theirs = await new AwsV4Signer({
      url: `${url}&X-Amz-Expires=900`,
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      region: options.region,
      service: "s3",
      datetime: formatAmzDate(now),
      signQuery: true,
    }).sign();
    expect(ours.searchParams.get("X-Amz-Signature")).toBe(theirs.url.searchParams.get("X-Amz-Signature"));
  });

  test("session token and expiry", async () => {
    const url = await presignUrl({ ...options, url: "https://s3.test/b/k", sessionToken: "tok+/=" });
    expect((await verify(url, "tok+/=")).kind).toBe("sigv4");
    await expect(presignUrl({ ...options, url: "https://s3.test/b/k", expiresSeconds: 0 })).rejects.toThrow(
      RangeError,
    );
  });
});
