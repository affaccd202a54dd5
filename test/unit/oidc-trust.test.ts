import { describe, expect, test } from "bun:test";
import type { VerifiedWebIdentity } from "../../src/iam/oidc-providers.ts";
import { trustAllows } from "../../src/iam/oidc-trust.ts";

const issuer = "https://idp.example.com/realms/corp";
const identity: VerifiedWebIdentity = {
  provider: { name: "corp", issuer, clientIds: ["s3dir"], claimName: "roles", created: "", version: 1 },
  claims: { iss: issuer, sub: "alice", aud: "s3dir", amr: ["pwd", "mfa"], exp: 2, iat: 1 },
  audience: "s3dir",
};

function trust(statement: Record<string, unknown>): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::000000000000:oidc-provider/idp.example.com/realms/corp" },
        Action: "sts:AssumeRoleWithWebIdentity",
        ...statement,
      },
    ],
  });
}

describe("a role's trust policy and a web identity (AWS's mapping)", () => {
  test("conditions on <issuer>:aud and :sub decide", () => {
    const cond = (aud: string, sub: string) =>
      trust({
        Condition: {
          StringEquals: { "idp.example.com/realms/corp:aud": aud, "idp.example.com/realms/corp:sub": sub },
        },
      });
    expect(trustAllows(cond("s3dir", "alice"), identity)).toBe(true);
    expect(trustAllows(cond("s3dir", "bob"), identity)).toBe(false);
    expect(trustAllows(cond("other", "alice"), identity)).toBe(false);
  });

  test("multi-valued claims such as amr test with ForAnyValue", () => {
    const doc = trust({
      Condition: { "ForAnyValue:StringEquals": { "idp.example.com/realms/corp:amr": "mfa" } },
    });
    expect(trustAllows(doc, identity)).toBe(true);
  });

  test("another provider, another action, a Deny or a malformed document trust nobody", () => {
    expect(trustAllows(trust({ Principal: { Federated: "accounts.google.com" } }), identity)).toBe(false);
    expect(trustAllows(trust({ Action: "sts:AssumeRole" }), identity)).toBe(false);
    const denied = JSON.parse(trust({}));
    denied.Statement.push({ ...denied.Statement[0], Effect: "Deny" });
    expect(trustAllows(JSON.stringify(denied), identity)).toBe(false);
    expect(trustAllows("{not json", identity)).toBe(false);
    expect(trustAllows(trust({}), identity)).toBe(true);
  });
});
