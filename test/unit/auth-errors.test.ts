import { describe, expect, test } from "bun:test";
import { AuthError, type AuthErrorCode } from "../../src/auth/errors.ts";
import { fromAuthError, s3ErrorOfAuth } from "../../src/s3/auth-errors.ts";
import { renderErrorXml, S3Error, statusOf } from "../../src/s3/errors.ts";
import { QueryError, toQueryError } from "../../src/s3/query/query-error.ts";

const codes: AuthErrorCode[] = [
  "AccessDenied",
  "AuthorizationHeaderMalformed",
  "AuthorizationQueryParametersError",
  "ExpiredToken",
  "IncompleteBody",
  "InvalidAccessKeyId",
  "InvalidArgument",
  "InvalidRequest",
  "InvalidToken",
  "MalformedTrailerError",
  "MissingContentLength",
  "RequestTimeTooSkewed",
  "SignatureDoesNotMatch",
];

describe("auth errors in the HTTP layer", () => {
  test("S3 answers each refusal with the same code, message, details and the code's status", () => {
    for (const code of codes) {
      const refusal = new AuthError(code, `why ${code}`, { AWSAccessKeyId: "AKID" });
      const s3 = s3ErrorOfAuth(refusal);
      expect([s3.code, s3.message, s3.details, s3.status]).toEqual([
        code,
        `why ${code}`,
        { AWSAccessKeyId: "AKID" },
        statusOf(code),
      ]);
    }
  });

  test("a refusal without a message reads as S3's own words", () => {
    for (const code of ["SignatureDoesNotMatch", "InvalidAccessKeyId", "RequestTimeTooSkewed"] as const) {
      expect(s3ErrorOfAuth(new AuthError(code)).message).toBe(new S3Error(code).message);
    }
    const xml = renderErrorXml(
      s3ErrorOfAuth(new AuthError("InvalidAccessKeyId", undefined, { AWSAccessKeyId: "AK<" })),
      "/b/k",
      "RID",
    );
    expect(xml).toContain(
      "<Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id you provided does not exist in our records.</Message><AWSAccessKeyId>AK&lt;</AWSAccessKeyId>",
    );
  });

  test("other errors pass through unchanged", () => {
    const other = new Error("boom");
    expect(fromAuthError(other)).toBe(other);
    expect(fromAuthError(new AuthError("InvalidToken"))).toBeInstanceOf(S3Error);
    expect(toQueryError(other)).toBeUndefined();
  });

  test("STS and IAM word key and token refusals their way, the rest as S3 does", () => {
    const asQuery = (e: AuthError) => {
      const q = toQueryError(e);
      return q && [q.code, q.message, q.status];
    };
    expect(asQuery(new AuthError("InvalidAccessKeyId"))).toEqual([
      "InvalidClientTokenId",
      "The security token included in the request is invalid.",
      403,
    ]);
    expect(asQuery(new AuthError("InvalidToken", "bad token"))).toEqual([
      "InvalidClientTokenId",
      "bad token",
      403,
    ]);
    expect(asQuery(new AuthError("ExpiredToken", "The provided token has expired."))).toEqual([
      "ExpiredToken",
      "The security token included in the request is expired",
      400,
    ]);
    for (const code of codes.filter(
      (c) => !["InvalidAccessKeyId", "InvalidToken", "ExpiredToken"].includes(c),
    )) {
      expect(asQuery(new AuthError(code, "m"))).toEqual([code, "m", statusOf(code)]);
    }
    const own = new QueryError("MissingAction", "Missing Action");
    expect(toQueryError(own)).toBe(own);
  });
});
