/**
 * A bucket policy that names an account (`arn:aws:iam::<id>:root` or the bare id) delegates to it,
 * as in AWS: its Deny reaches every identity of the account; its Allow grants the account's root,
 * and for the account's users only says the account was granted (their own policies must allow).
 */
import { describe, expect, test } from "bun:test";
import { evaluate, parsePolicy, type RequestPrincipal } from "../../src/auth/policy/index.ts";

const account = "444455556666";
const user: RequestPrincipal = {
  type: "user",
  arn: `arn:aws:iam::${account}:user/reader`,
  username: "reader",
  userid: "reader",
  accountId: account,
};
const root: RequestPrincipal = { type: "root", arn: `arn:aws:iam::${account}:root`, accountId: account };
const stranger: RequestPrincipal = {
  ...user,
  arn: "arn:aws:iam::777788889999:user/reader",
  accountId: "777788889999",
};

const bucketPolicy = (effect: "Allow" | "Deny", principal: string) =>
  parsePolicy(
    {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: effect,
          Principal: { AWS: principal },
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::b/*",
        },
      ],
    },
    "bucket",
  );
const readAll = parsePolicy(
  { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] },
  "identity",
);
const get = (principal: RequestPrincipal) => ({
  action: "s3:GetObject",
  resource: "arn:aws:s3:::b/k",
  principal,
  conditionKeys: {},
});

describe("account principals in bucket policies", () => {
  for (const named of [`arn:aws:iam::${account}:root`, account]) {
    test(`${named}: the account's root is granted`, () => {
      expect(evaluate({ identity: [], bucket: bucketPolicy("Allow", named) }, get(root)).decision).toBe(
        "Allow",
      );
    });
    test(`${named}: a user of the account is not granted by it alone, but its account is`, () => {
      const result = evaluate({ identity: [], bucket: bucketPolicy("Allow", named) }, get(user));
      expect(result).toMatchObject({ decision: "ImplicitDeny", accountGranted: true });
    });
    test(`${named}: a Deny reaches every identity of the account`, () => {
      const bucket = bucketPolicy("Deny", named);
      expect(evaluate({ identity: [readAll], bucket }, get(user)).decision).toBe("Deny");
      expect(evaluate({ identity: [], bucket }, get(root)).decision).toBe("Deny");
    });
    test(`${named}: another account's user is not named`, () => {
      const result = evaluate({ identity: [], bucket: bucketPolicy("Allow", named) }, get(stranger));
      expect(result.decision).toBe("ImplicitDeny");
      expect(result.accountGranted).toBeUndefined();
    });
  }
  test("a user ARN grants that user outright", () => {
    expect(evaluate({ identity: [], bucket: bucketPolicy("Allow", user.arn) }, get(user)).decision).toBe(
      "Allow",
    );
  });
});
