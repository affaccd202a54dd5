import { describe, expect, test } from "bun:test";
import { AwsV4Signer } from "aws4fetch";
import { authenticate } from "../../src/auth/authenticate.ts";
import { AuthError } from "../../src/auth/errors.ts";
import { webSigV4Crypto } from "../../src/auth/sigv4-crypto.ts";
import type { Credential, SignedRequest } from "../../src/auth/types.ts";
import { nodeSigV4Crypto } from "../../src/runtime/node-sigv4-crypto.ts";

const credential: Credential = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  principal: { kind: "user", name: "alice", accessKeyId: "AKIDEXAMPLE" },
};
const lookup = async (id: string) => (id === credential.accessKeyId ? credential : undefined);
const now = new Date("2026-01-01T12:00:00Z");

async function signed(url: string, signQuery: boolean, method = "GET"): Promise<SignedRequest> {
  const signer = new AwsV4Signer({
    url,
    method,
    accessKeyId: credential.accessKeyId,
    secretAccessKey: credential.secretAccessKey,
    service: "s3",
    region: "us-east-1",
    datetime: "20260101T120000Z",
    signQuery,
  });
  const out = await signer.sign();
  const headers = new Headers(out.headers);
  headers.set("host", out.url.host);
  return { method: out.method, path: out.url.pathname, query: out.url.search.slice(1), headers };
}

const cryptos = { webcrypto: webSigV4Crypto, "node:crypto": nodeSigV4Crypto };

describe.each(Object.entries(cryptos))("SigV4 verification with %s", (_name, crypto) => {
  const urls = [
    "http://127.0.0.1:9000/bucket/plain.txt",
    "http://127.0.0.1:9000/bucket/a%20b/c%2Bd/%E2%9C%93?list-type=2&prefix=x%20y",
  ];
  for (const url of urls) {
    for (const signQuery of [false, true]) {
      test(`${signQuery ? "presigned" : "header"} ${new URL(url).pathname} verifies, and a tampered copy does not`, async () => {
        const req = await signed(url, signQuery);
        const result = await authenticate(req, lookup, { region: "us-east-1", now, crypto });
        expect(result.principal.name).toBe("alice");
        const tampered = { ...req, path: `${req.path}x` };
        const error = await authenticate(tampered, lookup, { region: "us-east-1", now, crypto }).catch(
          (e) => e,
        );
        expect(error).toBeInstanceOf(AuthError);
        expect((error as AuthError).code).toBe("SignatureDoesNotMatch");
      });
    }
  }
});

test("both implementations derive the same signing key and HMAC", async () => {
  const webKey = await webSigV4Crypto.signingKey(credential.secretAccessKey, "20260101", "us-east-1", "s3");
  const nodeKey = nodeSigV4Crypto.signingKey(
    credential.secretAccessKey,
    "20260101",
    "us-east-1",
    "s3",
  ) as Uint8Array;
  expect(await webSigV4Crypto.hmacHex(webKey, "string to sign")).toBe(
    nodeSigV4Crypto.hmacHex(nodeKey, "string to sign") as string,
  );
  expect(await webSigV4Crypto.sha256Hex("abc")).toBe(nodeSigV4Crypto.sha256Hex("abc") as string);
});

test("one secret used for several scopes in turn gets each scope's own key", async () => {
  const scopes = [
    ["20260101", "us-east-1", "s3"],
    ["20260101", "us-east-1", "sts"],
    ["20260102", "us-east-1", "s3"],
    ["20260101", "eu-west-1", "iam"],
    ["20260103", "us-east-1", "s3"],
  ] as const;
  const hmacOf = async (day: string, region: string, service: string) =>
    await webSigV4Crypto.hmacHex(
      await webSigV4Crypto.signingKey(credential.secretAccessKey, day, region, service),
      "string to sign",
    );
  for (let round = 0; round < 3; round++) {
    for (const [day, region, service] of [...scopes, ...scopes.toReversed()]) {
      const key = nodeSigV4Crypto.signingKey(credential.secretAccessKey, day, region, service) as Uint8Array;
      expect(nodeSigV4Crypto.hmacHex(key, "string to sign") as string).toBe(
        await hmacOf(day, region, service),
      );
    }
  }
});
