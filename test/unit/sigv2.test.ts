import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { authenticate } from "../../src/auth/authenticate.ts";
import type { Credential, SignedRequest } from "../../src/auth/types.ts";
import { hmacSha1Base64 } from "../../src/lib/hmac-sha1.ts";
import {
  canonicalizedAmzHeaders,
  canonicalizedResource,
  sigV2StringsToSign,
  sigV2StringToSign,
} from "../../src/lib/sigv2-canonical.ts";
import { authRefusal } from "../helpers/auth-refusal.ts";

// The credentials of the RESTAuthentication page's worked examples.
const AKID = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

const credential: Credential = {
  accessKeyId: AKID,
  secretAccessKey: SECRET,
  principal: { kind: "user", name: "alice", accessKeyId: AKID },
};
const lookup = async (id: string) => (id === AKID ? credential : undefined);

function request(
  method: string,
  path: string,
  headers: Record<string, string>,
  options: { query?: string; virtualBucket?: string } = {},
): SignedRequest {
  return {
    method,
    path,
    query: options.query ?? "",
    headers: new Headers(headers),
    virtualBucket: options.virtualBucket,
  };
}

describe("SigV2 string to sign: AWS's worked examples", () => {
  const examples: [string, SignedRequest, string, string][] = [
    [
      "object GET, virtual-hosted",
      request(
        "GET",
        "/photos/puppy.jpg",
        { date: "Tue, 27 Mar 2007 19:36:42 +0000" },
        { virtualBucket: "awsexamplebucket1" },
      ),
      "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg",
      "qgk2+6Sv9/oM7G3qLEjTH1a1l1g=",
    ],
    [
      "object PUT with a Content-Type",
      request(
        "PUT",
        "/photos/puppy.jpg",
        { date: "Tue, 27 Mar 2007 21:15:45 +0000", "content-type": "image/jpeg", "content-length": "94328" },
        { virtualBucket: "awsexamplebucket1" },
      ),
      "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/awsexamplebucket1/photos/puppy.jpg",
      "iqRzw+ileNPu1fhspnRs8nOjjIA=",
    ],
    [
      "list: query parameters that are not sub-resources are not signed",
      request(
        "GET",
        "/",
        { date: "Tue, 27 Mar 2007 19:42:41 +0000" },
        { virtualBucket: "awsexamplebucket1", query: "prefix=photos&max-keys=50&marker=puppy" },
      ),
      "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/awsexamplebucket1/",
      "m0WP8eCtspQl5Ahe6L1SozdX9YA=",
    ],
    [
      "the acl sub-resource",
      request(
        "GET",
        "/",
        { date: "Tue, 27 Mar 2007 19:44:46 +0000" },
        { virtualBucket: "awsexamplebucket1", query: "acl" },
      ),
      "GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/awsexamplebucket1/?acl",
      "82ZHiFIjc+WbcwFKGUVEQspPn+0=",
    ],
    [
      "upload: Content-MD5 and x-amz-* headers lower-cased, sorted, a CNAME bucket",
      request(
        "PUT",
        "/db-backup.dat.gz",
        {
          date: "Tue, 27 Mar 2007 21:06:08 +0000",
          "x-amz-acl": "public-read",
          "content-type": "application/x-download",
          "content-md5": "4gJE4saaMU4BqNR0kLY+lw==",
          "X-Amz-Meta-ReviewedBy": "joe@johnsmith.net,jane@johnsmith.net",
          "X-Amz-Meta-FileChecksum": "0x02661779",
          "X-Amz-Meta-ChecksumAlgorithm": "crc32",
          "content-disposition": "attachment; filename=database.dat",
          "content-encoding": "gzip",
        },
        { virtualBucket: "static.johnsmith.net" },
      ),
      "PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\nTue, 27 Mar 2007 21:06:08 +0000\n" +
        "x-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\nx-amz-meta-filechecksum:0x02661779\n" +
        "x-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net\n/static.johnsmith.net/db-backup.dat.gz",
      "ilyl83RwaSoYIEdixDQcA4OnAnc=",
    ],
    [
      "list buckets",
      request("GET", "/", { date: "Wed, 28 Mar 2007 01:29:59 +0000" }),
      "GET\n\n\nWed, 28 Mar 2007 01:29:59 +0000\n/",
      "qGdzdERIC03wnaRNKh6OqZehG9s=",
    ],
    [
      "Unicode keys: the path is signed as sent",
      request("GET", "/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re", {
        date: "Wed, 28 Mar 2007 01:49:49 +0000",
      }),
      "GET\n\n\nWed, 28 Mar 2007 01:49:49 +0000\n/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
      "DNEZGsoieTZ92F3bUfSPQcbGmlM=",
    ],
  ];
  for (const [name, req, toSign, signature] of examples) {
    test(name, async () => {
      expect(sigV2StringToSign(req)).toBe(toSign);
      expect(await hmacSha1Base64(SECRET, toSign)).toBe(signature);
    });
  }

  test("delete with x-amz-date: the documented rule (empty date line) and the example's inline form", async () => {
    const req = request("DELETE", "/awsexamplebucket1/photos/puppy.jpg", {
      date: "Tue, 27 Mar 2007 21:20:27 +0000",
      "x-amz-date": "Tue, 27 Mar 2007 21:20:26 +0000",
    });
    const [documented, inline] = sigV2StringsToSign(req);
    expect(documented).toBe(
      "DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n/awsexamplebucket1/photos/puppy.jpg",
    );
    expect(inline).toBe("DELETE\n\n\nTue, 27 Mar 2007 21:20:26 +0000\n/awsexamplebucket1/photos/puppy.jpg");
    expect(await hmacSha1Base64(SECRET, inline ?? "")).toBe("XbyTlbQdu9Xw5o8P4iMwPktxQd8=");
  });

  test("a path-style request for a bucket: /bucket/ as botocore and s3cmd sign it, or as sent", () => {
    const req = request("GET", "/bkt", { date: "d" }, { query: "prefix=a&encoding-type=url" });
    expect(sigV2StringsToSign(req)).toEqual(["GET\n\n\nd\n/bkt/", "GET\n\n\nd\n/bkt"]);
    expect(sigV2StringsToSign(request("GET", "/", { date: "d" }))).toEqual(["GET\n\n\nd\n/"]);
  });

  test("presigned: Expires on the date line", () => {
    const req = request("GET", "/photos/puppy.jpg", {}, { virtualBucket: "awsexamplebucket1" });
    expect(sigV2StringToSign(req, "1175139620")).toBe(
      "GET\n\n\n1175139620\n/awsexamplebucket1/photos/puppy.jpg",
    );
  });
});

describe("SigV2 canonical parts", () => {
  test("sub-resources sorted by name, values decoded, others left out", () => {
    expect(
      canonicalizedResource(
        "/b/k",
        "versionId=3%2F4&response-content-type=text%2Fplain&x-id=GetObject&acl&uploads=&partNumber=2",
      ),
    ).toBe("/b/k?acl&partNumber=2&response-content-type=text/plain&uploads=&versionId=3/4");
    expect(canonicalizedResource("/", "delete", "bkt")).toBe("/bkt/?delete");
    expect(canonicalizedResource("/b/", "tagging&lifecycle&cors&restore&uploadId=u1")).toBe(
      "/b/?cors&lifecycle&restore&tagging&uploadId=u1",
    );
  });

  test("x-amz-* headers: unfolded and trimmed, only x-amz-*", () => {
    expect(
      canonicalizedAmzHeaders(
        new Headers({
          "X-Amz-Meta-B": "  two  words ",
          "x-amz-meta-a": "1",
          "x-not-amz": "no",
          "content-md5": "m",
        }),
      ),
    ).toBe("x-amz-meta-a:1\nx-amz-meta-b:two  words\n");
  });

  test("HMAC-SHA1 as node computes it", async () => {
    const mac = createHmac("sha1", "k€y").update("dàta\n").digest("base64");
    expect(await hmacSha1Base64("k€y", "dàta\n")).toBe(mac);
  });
});

const NOW = new Date("2026-01-01T12:00:00Z");
const run = (req: SignedRequest, options: { sigv2?: boolean; now?: Date } = {}) =>
  authenticate(req, lookup, { region: "us-east-1", now: NOW, ...options });

async function signedV2(req: SignedRequest, secret = SECRET): Promise<SignedRequest> {
  const signature = await hmacSha1Base64(secret, sigV2StringToSign(req));
  req.headers.set("authorization", `AWS ${AKID}:${signature}`);
  return req;
}

async function presignedV2(path: string, expires: number, query = ""): Promise<SignedRequest> {
  const req = request("GET", path, { host: "h" }, { query });
  const signature = await hmacSha1Base64(SECRET, sigV2StringToSign(req, String(expires)));
  const auth = `AWSAccessKeyId=${AKID}&Expires=${expires}&Signature=${encodeURIComponent(signature)}`;
  return { ...req, query: query ? `${query}&${auth}` : auth };
}

describe("SigV2 authentication", () => {
  const date = NOW.toUTCString();

  test("a header signature is verified; the result says SigV2", async () => {
    const result = await run(await signedV2(request("PUT", "/b/k", { date, "x-amz-meta-a": "1" })));
    expect(result.kind).toBe("sigv4");
    if (result.kind !== "sigv4") return;
    expect(result.signatureVersion).toBe("AWS");
    expect(result.presigned).toBe(false);
    expect(result.principal.name).toBe("alice");
  });

  test("a wrong signature: SignatureDoesNotMatch with the string to sign and its bytes", async () => {
    const req = await signedV2(request("GET", "/b/k", { date }), "another secret");
    const e = await authRefusal(run(req));
    expect(e.code).toBe("SignatureDoesNotMatch");
    expect(e.details.StringToSign).toBe(`GET\n\n\n${date}\n/b/k`);
    expect(e.details.StringToSignBytes?.startsWith("47 45 54 0a 0a 0a")).toBe(true);
    expect(e.details.AWSAccessKeyId).toBe(AKID);
  });

  test("an x-amz-* header added after signing breaks the signature", async () => {
    const req = await signedV2(request("GET", "/b/k", { date }));
    req.headers.set("x-amz-copy-source", "/other/secret");
    expect((await authRefusal(run(req))).code).toBe("SignatureDoesNotMatch");
  });

  test("no Date → AccessDenied; skewed → RequestTimeTooSkewed; unknown key → InvalidAccessKeyId", async () => {
    const noDate = await authRefusal(run(request("GET", "/b/k", { authorization: `AWS ${AKID}:abc=` })));
    expect(noDate.code).toBe("AccessDenied");
    expect(noDate.message).toBe("AWS authentication requires a valid Date or x-amz-date header");
    const skewed = await signedV2(
      request("GET", "/b/k", { date: new Date(NOW.getTime() + 16 * 60_000).toUTCString() }),
    );
    expect((await authRefusal(run(skewed))).code).toBe("RequestTimeTooSkewed");
    const unknown = request("GET", "/b/k", { date, authorization: "AWS NOSUCHKEY:abc=" });
    expect((await authRefusal(run(unknown))).code).toBe("InvalidAccessKeyId");
    const malformed = await authRefusal(run(request("GET", "/b/k", { date, authorization: "AWS nocolon" })));
    expect(malformed.code).toBe("InvalidArgument");
  });

  test("presigned: verified until Expires, then AccessDenied 'Request has expired'", async () => {
    const expires = NOW.getTime() / 1000 + 60;
    const link = await presignedV2("/b/k", expires, "response-content-type=text%2Fplain");
    const ok = await run(link);
    expect(ok.kind === "sigv4" && ok.presigned && ok.signatureVersion === "AWS").toBe(true);
    const late = await authRefusal(run(link, { now: new Date(NOW.getTime() + 61_000) }));
    expect(late.code).toBe("AccessDenied");
    expect(late.message).toBe("Request has expired");
    // A link may live longer than SigV4's seven days.
    expect((await run(await presignedV2("/b/k", NOW.getTime() / 1000 + 30 * 86400))).kind).toBe("sigv4");
  });

  test("presigned: a changed sub-resource or path fails; missing or bad parameters → AccessDenied", async () => {
    const expires = NOW.getTime() / 1000 + 60;
    const link = await presignedV2("/b/k", expires);
    expect((await authRefusal(run({ ...link, query: `acl&${link.query}` }))).code).toBe(
      "SignatureDoesNotMatch",
    );
    expect((await authRefusal(run({ ...link, path: "/b/other" }))).code).toBe("SignatureDoesNotMatch");
    const missing = await authRefusal(run({ ...link, query: `AWSAccessKeyId=${AKID}&Signature=abc` }));
    expect(missing.code).toBe("AccessDenied");
    expect(missing.message).toBe(
      "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters",
    );
    const bad = await authRefusal(
      run({ ...link, query: `AWSAccessKeyId=${AKID}&Expires=soon&Signature=abc` }),
    );
    expect(bad.code).toBe("AccessDenied");
  });

  test("two mechanisms at once → InvalidArgument", async () => {
    const link = await presignedV2("/b/k", NOW.getTime() / 1000 + 60);
    link.headers.set("authorization", `AWS ${AKID}:abc=`);
    expect((await authRefusal(run(link))).code).toBe("InvalidArgument");
  });
});
