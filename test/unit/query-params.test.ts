import { describe, expect, test } from "bun:test";
import type { AuthResult } from "../../src/auth/types.ts";
import { paginate } from "../../src/s3/query/iam-paging.ts";
import {
  requiredAccessKeyId,
  requiredDocument,
  requiredName,
  requiredPolicyName,
  requiredStatus,
  userNameOr,
} from "../../src/s3/query/iam-params.ts";
import type { QueryContext } from "../../src/s3/query/query-action.ts";
import { QueryError } from "../../src/s3/query/query-error.ts";
import { assumeRole } from "../../src/s3/query/sts-actions.ts";

/** The code, status and message of the QueryError `fn` throws. */
function refusal(fn: () => unknown): [string, number, string] {
  try {
    fn();
  } catch (e) {
    if (e instanceof QueryError) return [e.code, e.status, e.message];
    throw e;
  }
  throw new Error("no error");
}

async function asyncRefusal(promise: Promise<unknown>): Promise<[string, number, string]> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof QueryError) return [e.code, e.status, e.message];
    throw e;
  }
  throw new Error("no error");
}

const invalid = (value: string, field: string, constraint: string) =>
  `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`;
const missing = (field: string) =>
  `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`;
const params = (init: Record<string, string>) => new URLSearchParams(init);

describe("IAM parameters", () => {
  test("names: required, 1…max characters of [\\w+=,.@-]", () => {
    expect(requiredName(params({ UserName: "a.b@c" }), "UserName")).toBe("a.b@c");
    expect(refusal(() => requiredName(params({}), "UserName"))).toEqual([
      "ValidationError",
      400,
      missing("userName"),
    ]);
    expect(refusal(() => requiredName(params({ UserName: "" }), "UserName"))).toEqual([
      "ValidationError",
      400,
      invalid("", "userName", "Member must have length between 1 and 64"),
    ]);
    expect(refusal(() => requiredName(params({ PolicyName: "p".repeat(129) }), "PolicyName"))).toEqual([
      "ValidationError",
      400,
      invalid("p".repeat(129), "policyName", "Member must have length between 1 and 128"),
    ]);
    expect(refusal(() => requiredName(params({ UserName: "bad name" }), "UserName"))).toEqual([
      "ValidationError",
      400,
      invalid("bad name", "userName", "Member must satisfy regular expression pattern: [\\w+=,.@-]+"),
    ]);
  });

  test("an optional name falls back to the caller's own", () => {
    expect(userNameOr(params({}), "me")).toBe("me");
    expect(userNameOr(params({ UserName: "you" }), "me")).toBe("you");
    expect(refusal(() => userNameOr(params({ UserName: "a/b" }), "me"))[2]).toBe(
      invalid("a/b", "userName", "Member must satisfy regular expression pattern: [\\w+=,.@-]+"),
    );
  });

  test("AccessKeyId and Status", () => {
    expect(requiredAccessKeyId(params({ AccessKeyId: "AKIAABCDEFGHIJKL" }))).toBe("AKIAABCDEFGHIJKL");
    expect(refusal(() => requiredAccessKeyId(params({ AccessKeyId: "short" })))).toEqual([
      "ValidationError",
      400,
      invalid(
        "short",
        "accessKeyId",
        "Member must satisfy regular expression pattern: [\\w]+ and have length between 16 and 128",
      ),
    ]);
    expect(refusal(() => requiredAccessKeyId(params({})))[2]).toBe(missing("accessKeyId"));
    expect(requiredStatus(params({ Status: "Inactive" }))).toBe("Inactive");
    expect(refusal(() => requiredStatus(params({ Status: "Bogus" })))).toEqual([
      "ValidationError",
      400,
      invalid("Bogus", "status", "Member must satisfy enum value set: [Active, Inactive]"),
    ]);
  });

  test("PolicyArn: this account's ARN or a bare name", () => {
    expect(requiredPolicyName(params({ PolicyArn: "arn:aws:iam::000000000000:policy/readonly" }))).toBe(
      "readonly",
    );
    expect(requiredPolicyName(params({ PolicyArn: "arn:aws:iam::000000000000:policy/a/b/mine" }))).toBe(
      "mine",
    );
    expect(requiredPolicyName(params({ PolicyArn: "mine" }))).toBe("mine");
    expect(refusal(() => requiredPolicyName(params({ PolicyArn: "bad name" })))[2]).toBe(
      invalid("bad name", "policyArn", "Member must satisfy regular expression pattern: [\\w+=,.@-]+"),
    );
    expect(refusal(() => requiredPolicyName(params({ PolicyArn: "arn:aws:iam::x" })))).toEqual([
      "InvalidInput",
      400,
      "ARN arn:aws:iam::x is not valid.",
    ]);
    const foreign = "arn:aws:iam::111122223333:policy/readonly";
    expect(refusal(() => requiredPolicyName(params({ PolicyArn: foreign })))).toEqual([
      "NoSuchEntity",
      404,
      `Policy ${foreign} does not exist or is not attachable.`,
    ]);
    expect(refusal(() => requiredPolicyName(params({})))[2]).toBe(missing("policyArn"));
  });

  test("PolicyDocument: 1…131072 characters, the value not echoed", () => {
    expect(requiredDocument(params({ PolicyDocument: "{}" }))).toBe("{}");
    expect(refusal(() => requiredDocument(params({ PolicyDocument: "" })))).toEqual([
      "ValidationError",
      400,
      invalid("...", "policyDocument", "Member must have length between 1 and 131072"),
    ]);
    expect(refusal(() => requiredDocument(params({})))[2]).toBe(missing("policyDocument"));
  });

  test("MaxItems: an integer 1…1000, default 100", () => {
    const items = Array.from({ length: 150 }, (_, i) => `k${String(i).padStart(3, "0")}`);
    expect(paginate(items, (k) => k, params({})).items).toHaveLength(100);
    expect(paginate(items, (k) => k, params({ MaxItems: "7" })).items).toHaveLength(7);
    expect(refusal(() => paginate(items, (k) => k, params({ MaxItems: "x" })))).toEqual([
      "ValidationError",
      400,
      invalid("x", "maxItems", "Member must be an integer"),
    ]);
    for (const value of ["0", "1001"]) {
      expect(refusal(() => paginate(items, (k) => k, params({ MaxItems: value })))).toEqual([
        "ValidationError",
        400,
        invalid(value, "maxItems", "Member must have value between 1 and 1000"),
      ]);
    }
  });
});

describe("STS AssumeRole parameters", () => {
  const auth = {
    kind: "sigv4",
    principal: { kind: "root", name: "root", accessKeyId: "ROOTKEY" },
  } as Extract<AuthResult, { kind: "sigv4" }>;
  const action = assumeRole({
    currentTokenKey: () => Promise.reject(new Error("not reached")),
    maxDurationSeconds: 7200,
  });
  const role = { RoleArn: "arn:aws:iam::000000000000:role/any", RoleSessionName: "s1" };
  const run = (init: Record<string, string>) => {
    const ctx: QueryContext = { action: "AssumeRole", params: params(init), auth, requestId: "r" };
    return asyncRefusal(action(ctx));
  };

  test("RoleArn and RoleSessionName", async () => {
    expect(await run({ RoleSessionName: "s1" })).toEqual(["ValidationError", 400, missing("roleArn")]);
    expect(await run({ ...role, RoleArn: "not-an-arn" })).toEqual([
      "ValidationError",
      400,
      invalid("not-an-arn", "roleArn", "Member must be an ARN of length between 20 and 2048"),
    ]);
    expect(await run({ RoleArn: role.RoleArn })).toEqual([
      "ValidationError",
      400,
      missing("roleSessionName"),
    ]);
    for (const name of ["x", "has space", "n".repeat(65)]) {
      expect(await run({ ...role, RoleSessionName: name })).toEqual([
        "ValidationError",
        400,
        invalid(name, "roleSessionName", "Member must satisfy regular expression pattern: [\\w+=,.@-]{2,64}"),
      ]);
    }
  });

  test("managed session policies are refused", async () => {
    expect((await run({ ...role, "PolicyArns.member.1.arn": "arn:aws:iam::0:policy/x" }))[0]).toBe(
      "InvalidParameterValue",
    );
  });

  test("DurationSeconds: 900…604800 (7 days) and at most the server's maximum", async () => {
    expect(await run({ ...role, DurationSeconds: "abc" })).toEqual([
      "ValidationError",
      400,
      invalid("abc", "durationSeconds", "Member must be an integer"),
    ]);
    expect(await run({ ...role, DurationSeconds: "899" })).toEqual([
      "ValidationError",
      400,
      invalid("899", "durationSeconds", "Member must have value greater than or equal to 900"),
    ]);
    expect(await run({ ...role, DurationSeconds: "604801" })).toEqual([
      "ValidationError",
      400,
      invalid("604801", "durationSeconds", "Member must have value less than or equal to 604800"),
    ]);
    expect(await run({ ...role, DurationSeconds: "7201" })).toEqual([
      "ValidationError",
      400,
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role (7200 seconds).",
    ]);
  });

  test("Policy: 1…2048 characters of a valid session policy", async () => {
    expect(await run({ ...role, Policy: "" })).toEqual([
      "ValidationError",
      400,
      invalid("...", "policy", "Member must have length between 1 and 2048"),
    ]);
    expect(await run({ ...role, Policy: "x".repeat(2049) })).toEqual([
      "ValidationError",
      400,
      invalid("...", "policy", "Member must have length between 1 and 2048"),
    ]);
    const [code, status, message] = await run({
      ...role,
      Policy: JSON.stringify({ Version: "2012-10-17", Statement: { Effect: "Allow", Action: "s3:Fly" } }),
    });
    expect([code, status]).toEqual(["MalformedPolicyDocument", 400]);
    expect(message).toContain('unknown action "s3:Fly"');
  });
});
