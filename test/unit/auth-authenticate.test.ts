import { describe, expect, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { AwsV4Signer } from "aws4fetch";
import { type AuthenticateOptions, authenticate } from "../../src/auth/authenticate.ts";
import { awsChunkedOptionsFor } from "../../src/auth/aws-chunked-options.ts";
import type { AuthError } from "../../src/auth/errors.ts";
import type { Credential, CredentialLookup, SignedRequest } from "../../src/auth/types.ts";
import { authRefusal } from "../helpers/auth-refusal.ts";

const AKID = "AKIDEXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const DATETIME = "20260101T120000Z";
const NOW = new Date("2026-01-01T12:00:00Z");
const REGION = "us-east-1";
const HOST = "s3.example.test:9000";

const credential: Credential = {
  accessKeyId: AKID,
  secretAccessKey: SECRET,
  principal: { kind: "user", name: "alice", accessKeyId: AKID },
};
const lookupOf =
  (...creds: Credential[]): CredentialLookup =>
  async (id) =>
    creds.find((c) => c.accessKeyId === id);
const lookup = lookupOf(credential);

interface SignOptions {
  method?: string;
  headers?: Record<string, string>;
  query?: boolean;
  region?: string;
  service?: string;
  secret?: string;
  sessionToken?: string;
  datetime?: string;
  body?: string;
  /** Sign every header, those clients usually leave out (Expect) too. */
  allHeaders?: boolean;
}

/** Signs with aws4fetch and returns what the server would see. */
async function sign(url: string, o: SignOptions = {}): Promise<SignedRequest> {
  const signer = new AwsV4Signer({
    url,
    method: o.method ?? "GET",
    headers: o.headers,
    body: o.body,
    accessKeyId: AKID,
    secretAccessKey: o.secret ?? SECRET,
    sessionToken: o.sessionToken,
    service: o.service ?? "s3",
    region: o.region ?? REGION,
    datetime: o.datetime ?? DATETIME,
    signQuery: o.query,
    allHeaders: o.allHeaders,
  });
  const signed = await signer.sign();
  const headers = new Headers(signed.headers);
  headers.set("host", signed.url.host);
  return { method: signed.method, path: signed.url.pathname, query: signed.url.search.slice(1), headers };
}

function run(req: SignedRequest, options: Partial<AuthenticateOptions> = {}, lk: CredentialLookup = lookup) {
  return authenticate(req, lk, { region: REGION, now: NOW, ...options });
}

const awkwardPaths = [
  "/bucket",
  "/bucket/",
  "/bucket/plain.txt",
  "/bucket/a b c",
  "/bucket/a%2Bb+c",
  "/bucket/café/日本語/🙂",
  "/bucket/100%25 done",
  "/bucket/a//b///c",
  "/bucket/~tilde/x~y",
  "/bucket/!$&'()*,;=:@[]",
  "/bucket/dir/sub/",
  "/bucket/%E2%82%AC%20euro",
];

describe("header signatures (aws4fetch)", () => {
  for (const path of awkwardPaths) {
    test(`verifies ${path}`, async () => {
      // aws4fetch reads "+" in a path as a space; S3 clients send %2B, so do the same here.
      const req = await sign(`http://${HOST}${path.replace(/\+/g, "%2B")}`, {
        headers: { "x-amz-meta-color": "  blue   and  green ", "content-type": "text/plain" },
      });
      const result = await run(req);
      expect(result.kind).toBe("sigv4");
      if (result.kind !== "sigv4") return;
      expect(result.principal.name).toBe("alice");
      expect(result.presigned).toBe(false);
      expect(result.payload).toEqual({ kind: "unsigned" });
      expect(result.signedAt.toISOString()).toBe(NOW.toISOString());
      expect(result.chunkSigning).toBeUndefined();
    });
  }

  const queries = [
    "prefix=a%2Bb&delimiter=%2F&list-type=2",
    "prefix=a+b&max-keys=5",
    "acl",
    "tagging&versionId=3%2F4",
    "a=b=c&z=&y",
    "x=%E2%82%AC&x2=~._-&emoji=%F0%9F%99%82",
    "uploads&prefix=*(!)'",
  ];
  for (const query of queries) {
    test(`verifies query ${query}`, async () => {
      const req = await sign(`http://${HOST}/bucket/key?${query}`);
      expect((await run(req)).kind).toBe("sigv4");
    });
  }

  test("accepts an Authorization header without spaces after commas", async () => {
    const req = await sign(`http://${HOST}/bucket/k`);
    req.headers.set("authorization", req.headers.get("authorization")!.replace(/, /g, ","));
    expect((await run(req)).kind).toBe("sigv4");
  });

  test("a signed Expect: 100-continue that a proxy consumed still verifies; no other header may go missing", async () => {
    const req = await sign(`http://${HOST}/bucket/k`, {
      method: "PUT",
      headers: { expect: "100-continue", "x-amz-meta-a": "1" },
      allHeaders: true,
    });
    expect(req.headers.get("authorization")).toContain("expect");
    expect((await run(req)).kind).toBe("sigv4");
    req.headers.delete("expect");
    expect((await run(req)).kind).toBe("sigv4");
    req.headers.delete("x-amz-meta-a");
    const missing = await authRefusal(run(req));
    expect([missing.code, missing.details.MissingSignedHeader]).toEqual([
      "SignatureDoesNotMatch",
      "x-amz-meta-a",
    ]);
  });

  test("tampering is SignatureDoesNotMatch, with debugging details", async () => {
    const fresh = () => sign(`http://${HOST}/bucket/key?prefix=a`, { headers: { "x-amz-meta-a": "1" } });
    const cases: [string, (r: SignedRequest) => void][] = [
      [
        "signature",
        (r) =>
          r.headers.set(
            "authorization",
            r.headers.get("authorization")!.replace(/.$/, (c) => (c === "0" ? "1" : "0")),
          ),
      ],
      ["path", (r) => (r.path = "/bucket/kez")],
      ["query", (r) => (r.query = "prefix=b")],
      ["added query", (r) => (r.query = "prefix=a&x=1")],
      ["method", (r) => (r.method = "DELETE")],
      ["signed header", (r) => r.headers.set("x-amz-meta-a", "2")],
      ["host", (r) => r.headers.set("host", "evil.test")],
      ["missing signed header", (r) => r.headers.delete("x-amz-meta-a")],
    ];
    for (const [name, tamper] of cases) {
      const req = await fresh();
      tamper(req);
      const e = await authRefusal(run(req));
      expect(`${name}: ${e.code}`).toBe(`${name}: SignatureDoesNotMatch`);
      expect(e.status).toBe(403);
    }
    const req = await fresh();
    req.path = "/bucket/other";
    const e = await authRefusal(run(req));
    expect(e.details.CanonicalRequest).toContain("GET\n/bucket/other\nprefix=a\n");
    expect(e.details.StringToSign).toStartWith(
      `AWS4-HMAC-SHA256\n${DATETIME}\n20260101/us-east-1/s3/aws4_request\n`,
    );
    expect(e.details.AWSAccessKeyId).toBe(AKID);
  });

  test("wrong secret, unknown key", async () => {
    expect((await authRefusal(run(await sign(`http://${HOST}/b/k`, { secret: "other" })))).code).toBe(
      "SignatureDoesNotMatch",
    );
    const e = await authRefusal(run(await sign(`http://${HOST}/b/k`), {}, lookupOf()));
    expect(e.code).toBe("InvalidAccessKeyId");
    expect(e.status).toBe(403);
  });

  test("an unsigned x-amz-* header is refused", async () => {
    const req = await sign(`http://${HOST}/b/k`);
    req.headers.set("x-amz-meta-sneaky", "1");
    const e = await authRefusal(run(req));
    expect(e.code).toBe("AccessDenied");
    expect(e.details.HeadersNotSigned).toBe("x-amz-meta-sneaky");
  });

  test("clock skew beyond 15 minutes either way", async () => {
    const req = await sign(`http://${HOST}/b/k`);
    const at = (minutes: number) => ({ now: new Date(NOW.getTime() + minutes * 60_000) });
    expect((await run(req, at(14))).kind).toBe("sigv4");
    expect((await run(req, at(-14))).kind).toBe("sigv4");
    const late = await authRefusal(run(req, at(16)));
    expect(late.code).toBe("RequestTimeTooSkewed");
    expect(late.status).toBe(403);
    expect((await authRefusal(run(req, at(-16)))).code).toBe("RequestTimeTooSkewed");
    // Skew is refused before the key is even looked up.
    expect((await authRefusal(run(req, at(16), lookupOf()))).code).toBe("RequestTimeTooSkewed");
  });

  test("region mismatch", async () => {
    const e = await authRefusal(run(await sign(`http://${HOST}/b/k`, { region: "eu-west-1" })));
    expect(e.code).toBe("AuthorizationHeaderMalformed");
    expect(e.message).toBe(
      "The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'",
    );
    expect(e.details.Region).toBe("us-east-1");
  });

  test("service must be allowed", async () => {
    const req = await sign(`http://${HOST}/`, {
      service: "sts",
      method: "POST",
      body: "Action=GetCallerIdentity",
    });
    expect((await authRefusal(run(req))).code).toBe("AuthorizationHeaderMalformed");
  });

  test("STS: body hash from the caller, no x-amz-content-sha256", async () => {
    const body = "Action=AssumeRole&Version=2011-06-15&RoleArn=x";
    const req = await sign(`http://${HOST}/`, { service: "sts", method: "POST", body });
    req.bodySha256 = createHash("sha256").update(body).digest("hex");
    const result = await run(req, { services: ["s3", "sts"] });
    expect(result.kind).toBe("sigv4");
    expect(result.payload).toEqual({ kind: "sha256", hex: req.bodySha256 });
    req.bodySha256 = undefined;
    expect((await authRefusal(run(req, { services: ["sts"] }))).code).toBe("SignatureDoesNotMatch");
  });

  test("malformed Authorization headers", async () => {
    const base = await sign(`http://${HOST}/b/k`);
    const auth = base.headers.get("authorization")!;
    const bad = [
      "AWS4-HMAC-SHA256 Credential=x",
      "AWS4-HMAC-SHA256",
      auth.replace("Credential=", "Credentials="),
      auth.replace("/aws4_request", "/aws4_reqest"),
      auth.replace(`/${DATETIME.slice(0, 8)}/`, "/20251231/"),
      auth.replace(`/${DATETIME.slice(0, 8)}/`, "/2026011/"),
      auth.replace("SignedHeaders=host;", "SignedHeaders="),
      auth.replace(/SignedHeaders=[^,]+/, "SignedHeaders=x-amz-date"),
      `${auth}, Signature=00`,
    ];
    for (const value of bad) {
      const req = { ...base, headers: new Headers(base.headers) };
      req.headers.set("authorization", value);
      expect(`${value}: ${(await authRefusal(run(req))).code}`).toBe(
        `${value}: AuthorizationHeaderMalformed`,
      );
    }
  });

  test("unknown schemes, and SigV2 when turned off, are not supported", async () => {
    const message =
      "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.";
    for (const auth of [`AWS ${AKID}:c2lnbmF0dXJl`, "Bearer abc", "AWS4-ECDSA-P256-SHA256 Credential=x"]) {
      const e = await authRefusal(
        run(
          { method: "GET", path: "/b", query: "", headers: new Headers({ authorization: auth }) },
          { sigv2: false },
        ),
      );
      expect(e.code).toBe("InvalidRequest");
      expect(e.message).toBe(message);
    }
    const v2 = `AWSAccessKeyId=${AKID}&Expires=1767272400&Signature=abc%3D`;
    const e = await authRefusal(
      run({ method: "GET", path: "/b/k", query: v2, headers: new Headers({ host: HOST }) }, { sigv2: false }),
    );
    expect(e.code).toBe("InvalidRequest");
    // STS and IAM never took SigV2.
    const sts = await authRefusal(
      run(
        { method: "GET", path: "/", query: v2, headers: new Headers({ host: HOST }) },
        { services: ["sts"] },
      ),
    );
    expect(sts.code).toBe("InvalidRequest");
  });

  test("x-amz-content-sha256 is required, valid and decides the payload mode", async () => {
    const req = await sign(`http://${HOST}/b/k`, { method: "PUT" });
    req.headers.delete("x-amz-content-sha256");
    const missing = await authRefusal(run(req));
    expect(missing.code).toBe("InvalidRequest");
    expect(missing.message).toBe("Missing required header for this request: x-amz-content-sha256");

    const bogus = await authRefusal(
      run(await sign(`http://${HOST}/b/k`, { headers: { "x-amz-content-sha256": "abc" } })),
    );
    expect(bogus.code).toBe("InvalidArgument");
    const upper = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
    expect(
      (
        await authRefusal(
          run(await sign(`http://${HOST}/b/k`, { headers: { "x-amz-content-sha256": upper } })),
        )
      ).code,
    ).toBe("InvalidArgument");

    const hex = createHash("sha256").update("hello").digest("hex");
    const modes: [string, unknown][] = [
      [hex, { kind: "sha256", hex }],
      ["UNSIGNED-PAYLOAD", { kind: "unsigned" }],
      ["STREAMING-AWS4-HMAC-SHA256-PAYLOAD", { kind: "streaming-signed", trailer: false }],
      ["STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", { kind: "streaming-signed", trailer: true }],
      ["STREAMING-UNSIGNED-PAYLOAD-TRAILER", { kind: "streaming-unsigned-trailer" }],
    ];
    for (const [value, mode] of modes) {
      const signed = await sign(`http://${HOST}/b/k`, {
        method: "PUT",
        headers: { "x-amz-content-sha256": value },
      });
      const result = await run(signed);
      expect(result.payload).toEqual(mode as never);
      if (result.kind !== "sigv4") throw new Error("not signed");
      if (value.startsWith("STREAMING-AWS4")) {
        const seed = signed.headers.get("authorization")!.split("Signature=")[1];
        expect(result.chunkSigning).toMatchObject({
          amzDate: DATETIME,
          scope: "20260101/us-east-1/s3/aws4_request",
          seedSignature: seed,
        });
        expect(result.chunkSigning!.signingKey).toBeInstanceOf(CryptoKey);
      } else {
        expect(result.chunkSigning).toBeUndefined();
      }
    }
  });

  test("x-amz-content-sha256 must be signed", async () => {
    const req = await sign(`http://${HOST}/b/k`);
    const auth = req.headers.get("authorization")!.replace(";x-amz-content-sha256", "");
    req.headers.set("authorization", auth);
    const e = await authRefusal(run(req));
    expect(e.code).toBe("AccessDenied");
    expect(e.details.HeadersNotSigned).toBe("x-amz-content-sha256");
  });

  test("aws-chunked decoder options from the result", async () => {
    const headers = {
      "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
      "x-amz-decoded-content-length": "5",
    };
    const req = await sign(`http://${HOST}/b/k`, { method: "PUT", headers });
    const result = await run(req);
    const options = awsChunkedOptionsFor(result, req.headers);
    expect(options).toMatchObject({ trailer: true, decodedLength: 5 });
    expect(options?.signing?.seedSignature).toBe(req.headers.get("authorization")!.split("Signature=")[1]!);
    const plain = await run(await sign(`http://${HOST}/b/k`));
    expect(awsChunkedOptionsFor(plain, new Headers())).toBeUndefined();
    const unsigned = {
      kind: "anonymous",
      principal: plain.principal,
      payload: { kind: "streaming-unsigned-trailer" },
    } as const;
    expect(awsChunkedOptionsFor(unsigned, new Headers({ "x-amz-decoded-content-length": "0" }))).toEqual({
      trailer: true,
      decodedLength: 0,
    });
    const missing = (() => {
      try {
        awsChunkedOptionsFor(unsigned, new Headers());
      } catch (e) {
        return (e as AuthError).code;
      }
    })();
    expect(missing).toBe("MissingContentLength");
  });

  test("session tokens must match the credential", async () => {
    const session: Credential = {
      accessKeyId: AKID,
      secretAccessKey: SECRET,
      sessionToken: "token/with+chars==",
      principal: { kind: "session", name: "alice", accessKeyId: AKID },
    };
    const lk = lookupOf(session);
    expect(
      (await run(await sign(`http://${HOST}/b/k`, { sessionToken: session.sessionToken }), {}, lk)).kind,
    ).toBe("sigv4");
    expect((await authRefusal(run(await sign(`http://${HOST}/b/k`), {}, lk))).code).toBe("InvalidToken");
    expect(
      (await authRefusal(run(await sign(`http://${HOST}/b/k`, { sessionToken: "other" }), {}, lk))).code,
    ).toBe("InvalidToken");
    // A token on a long-term key is refused as well.
    expect((await authRefusal(run(await sign(`http://${HOST}/b/k`, { sessionToken: "stray" })))).code).toBe(
      "InvalidToken",
    );
    const presigned = await sign(`http://${HOST}/b/k`, { query: true, sessionToken: session.sessionToken });
    expect(presigned.query).toContain("X-Amz-Security-Token=");
    expect((await run(presigned, {}, lk)).kind).toBe("sigv4");
  });

  test("a Date header may stand in for x-amz-date", async () => {
    const date = "Thu, 01 Jan 2026 12:00:00 GMT";
    const headers = new Headers({ host: HOST, date, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" });
    const canonical = `GET\n/b/k\n\ndate:${date}\nhost:${HOST}\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n\ndate;host;x-amz-content-sha256\nUNSIGNED-PAYLOAD`;
    const scope = "20260101/us-east-1/s3/aws4_request";
    const toSign = `AWS4-HMAC-SHA256\n${DATETIME}\n${scope}\n${createHash("sha256").update(canonical).digest("hex")}`;
    let key: Buffer = createHmac("sha256", `AWS4${SECRET}`).update("20260101").digest();
    for (const part of ["us-east-1", "s3", "aws4_request"])
      key = createHmac("sha256", key).update(part).digest();
    const signature = createHmac("sha256", key).update(toSign).digest("hex");
    headers.set(
      "authorization",
      `AWS4-HMAC-SHA256 Credential=${AKID}/${scope}, SignedHeaders=date;host;x-amz-content-sha256, Signature=${signature}`,
    );
    expect((await run({ method: "GET", path: "/b/k", query: "", headers })).kind).toBe("sigv4");
    headers.delete("date");
    expect((await authRefusal(run({ method: "GET", path: "/b/k", query: "", headers }))).code).toBe(
      "AccessDenied",
    );
  });

  test("both a header and a query signature is refused", async () => {
    const req = await sign(`http://${HOST}/b/k`);
    const presigned = await sign(`http://${HOST}/b/k`, { query: true });
    req.query = presigned.query;
    expect((await authRefusal(run(req))).code).toBe("InvalidArgument");
  });
});

describe("presigned URLs (aws4fetch)", () => {
  const presign = (path: string, expires: number | string = 3600, o: SignOptions = {}) =>
    sign(`http://${HOST}${path}${path.includes("?") ? "&" : "?"}X-Amz-Expires=${expires}`, {
      ...o,
      query: true,
    });

  for (const path of [
    ...awkwardPaths,
    "/bucket/k?response-content-disposition=attachment%3B%20filename%3D%22a+b.txt%22",
  ]) {
    test(`verifies ${path}`, async () => {
      const [pathPart, queryPart] = path.split("?");
      const result = await run(
        await presign(pathPart!.replace(/\+/g, "%2B") + (queryPart ? `?${queryPart}` : "")),
      );
      expect(result.kind).toBe("sigv4");
      if (result.kind !== "sigv4") return;
      expect(result.presigned).toBe(true);
      expect(result.payload).toEqual({ kind: "unsigned" });
    });
  }

  test("the x-amz-content-sha256 header is used when present", async () => {
    const req = await presign("/b/k", 60, { headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } });
    // aws4fetch signs it as a header in the presigned request's canonical form.
    expect((await run(req)).kind).toBe("sigv4");
  });

  test("an x-amz-* header the URL does not sign is refused, as S3 does", async () => {
    for (const [name, value] of [
      ["x-amz-copy-source", "/other/secret.txt"],
      ["x-amz-meta-sneaky", "1"],
      ["x-amz-checksum-crc32", "AAAAAA=="],
      ["x-amz-security-token", "token"],
    ]) {
      const req = await presign("/b/k", 60, { method: "PUT" });
      req.headers.set(name!, value!);
      const e = await authRefusal(run(req));
      expect({ name, code: e.code, status: e.status, message: e.message }).toEqual({
        name,
        code: "AccessDenied",
        status: 403,
        message: "There were headers present in the request which were not signed",
      });
      expect(e.details.HeadersNotSigned).toBe(name);
    }
    const two = await presign("/b/k", 60, { method: "PUT" });
    two.headers.set("x-amz-tagging", "a=b");
    two.headers.set("x-amz-acl", "public-read");
    expect((await authRefusal(run(two))).details.HeadersNotSigned).toBe("x-amz-acl, x-amz-tagging");
  });

  test("an unsigned x-amz-content-sha256 is tolerated: its value is the payload hash that was signed", async () => {
    const req = await presign("/b/k", 60, { method: "PUT" });
    req.headers.set("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
    expect((await run(req)).kind).toBe("sigv4");
    const streaming = await presign("/b/k", 60, { method: "PUT" });
    streaming.headers.set("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
    expect((await authRefusal(run(streaming))).code).toBe("SignatureDoesNotMatch");
  });

  test("expiry", async () => {
    const req = await presign("/b/k", 60);
    expect((await run(req, { now: new Date(NOW.getTime() + 60_000) })).kind).toBe("sigv4");
    const e = await authRefusal(run(req, { now: new Date(NOW.getTime() + 61_000) }));
    expect(e.code).toBe("AccessDenied");
    expect(e.message).toBe("Request has expired");
    // Long-lived URLs are not subject to the 15-minute skew in the past.
    const week = await presign("/b/k", 604800);
    expect((await run(week, { now: new Date(NOW.getTime() + 6 * 86400_000) })).kind).toBe("sigv4");
  });

  test("X-Amz-Expires bounds", async () => {
    for (const expires of [604801, "abc", -1]) {
      const e = await authRefusal(run(await presign("/b/k", expires)));
      expect(`${expires}: ${e.code}`).toBe(`${expires}: AuthorizationQueryParametersError`);
    }
    // Valid for no time: expired at once, as S3 answers it.
    const zero = await authRefusal(run(await presign("/b/k", 0)));
    expect([zero.code, zero.message]).toEqual(["AccessDenied", "Request has expired"]);
    expect((await run(await presign("/b/k", 1))).kind).toBe("sigv4");
    expect((await run(await presign("/b/k", 604800))).kind).toBe("sigv4");
  });

  test("signed in the future", async () => {
    const req = await presign("/b/k", 3600, { datetime: "20260101T121600Z" });
    expect((await authRefusal(run(req))).code).toBe("RequestTimeTooSkewed");
    const ok = await presign("/b/k", 3600, { datetime: "20260101T121400Z" });
    expect((await run(ok)).kind).toBe("sigv4");
  });

  test("tampering and wrong keys", async () => {
    const req = await presign("/b/k?versionId=1");
    expect((await authRefusal(run({ ...req, path: "/b/x" }))).code).toBe("SignatureDoesNotMatch");
    expect(
      (await authRefusal(run({ ...req, query: req.query.replace("versionId=1", "versionId=2") }))).code,
    ).toBe("SignatureDoesNotMatch");
    expect(
      (
        await authRefusal(
          run({ ...req, query: req.query.replace("X-Amz-Expires=3600", "X-Amz-Expires=7200") }),
        )
      ).code,
    ).toBe("SignatureDoesNotMatch");
    expect((await authRefusal(run({ ...req, method: "PUT" }))).code).toBe("SignatureDoesNotMatch");
    expect((await authRefusal(run(await presign("/b/k", 60, { secret: "nope" })))).code).toBe(
      "SignatureDoesNotMatch",
    );
    expect((await authRefusal(run(req, {}, lookupOf()))).code).toBe("InvalidAccessKeyId");
  });

  test("region mismatch and malformed parameters", async () => {
    const e = await authRefusal(run(await presign("/b/k", 60, { region: "eu-west-1" })));
    expect(e.code).toBe("AuthorizationQueryParametersError");
    expect(e.message).toContain("the region 'eu-west-1' is wrong; expecting 'us-east-1'");
    const req = await presign("/b/k");
    for (const [from, to] of [
      ["X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1"],
      ["X-Amz-Date=", "X-Amz-Date=2026"],
      ["X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=x"],
      [/X-Amz-Credential=[^&]*/, "X-Amz-Credential=x"],
      [/X-Amz-Credential=[^&]*/, `X-Amz-Credential=${AKID}%2F20260101%2Fus-east-1%2Fs3%2Faws4_reqest`],
      [/X-Amz-Credential=[^&]*/, `X-Amz-Credential=${AKID}%2F20260102%2Fus-east-1%2Fs3%2Faws4_request`],
    ] as const) {
      const code = (await authRefusal(run({ ...req, query: req.query.replace(from, to) }))).code;
      expect(`${to}: ${code}`).toBe(`${to}: AuthorizationQueryParametersError`);
    }
    const noDate = req.query.replace(/X-Amz-Date=[^&]*&?/, "");
    expect((await authRefusal(run({ ...req, query: noDate }))).code).toBe(
      "AuthorizationQueryParametersError",
    );
  });
});

describe("anonymous requests", () => {
  test("no signature at all", async () => {
    const result = await run({
      method: "GET",
      path: "/b/k",
      query: "list-type=2",
      headers: new Headers({ host: HOST }),
    });
    expect(result).toEqual({
      kind: "anonymous",
      principal: { kind: "anonymous", name: "", accessKeyId: "" },
      payload: { kind: "unsigned" },
    });
  });

  test("payload mode from x-amz-content-sha256", async () => {
    const hex = createHash("sha256").update("").digest("hex");
    const headers = new Headers({ host: HOST, "x-amz-content-sha256": hex });
    expect((await run({ method: "PUT", path: "/b/k", query: "", headers })).payload).toEqual({
      kind: "sha256",
      hex,
    });
    headers.set("x-amz-content-sha256", "nope");
    expect((await authRefusal(run({ method: "PUT", path: "/b/k", query: "", headers }))).code).toBe(
      "InvalidArgument",
    );
  });
});

describe("AWS documentation vectors", () => {
  const docCredential: Credential = {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    principal: { kind: "user", name: "doc", accessKeyId: "AKIAIOSFODNN7EXAMPLE" },
  };
  const docNow = new Date("2013-05-24T00:00:00Z");

  test("chunked PUT seed signature", async () => {
    const headers = new Headers({
      host: "s3.amazonaws.com",
      "x-amz-date": "20130524T000000Z",
      "x-amz-storage-class": "REDUCED_REDUNDANCY",
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
      "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
      "content-encoding": "aws-chunked",
      "x-amz-decoded-content-length": "66560",
      "content-length": "66824",
    });
    const result = await authenticate(
      { method: "PUT", path: "/examplebucket/chunkObject.txt", query: "", headers },
      lookupOf(docCredential),
      { region: "us-east-1", now: docNow },
    );
    if (result.kind !== "sigv4") throw new Error("not signed");
    expect(result.chunkSigning?.seedSignature).toBe(
      "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
    );
  });
});
