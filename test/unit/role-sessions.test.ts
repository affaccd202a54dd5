/** Role ARNs, trust policies, session tags and role sessions in tokens: the pure parts of roles. */
import { describe, expect, test } from "bun:test";
import { evaluate, PolicyError, parsePolicy } from "../../src/auth/policy/index.ts";
import { sessionCredential } from "../../src/auth/session-credential.ts";
import { issueSession } from "../../src/auth/session-issue.ts";
import { openSessionToken, type TokenKey } from "../../src/auth/session-token.ts";
import { parseRoleArn, roleArn } from "../../src/iam/role-admin.ts";
import { QueryError } from "../../src/s3/query/query-error.ts";
import { sessionTagsOf } from "../../src/s3/query/sts-params.ts";

const key: TokenKey = { id: "k", key: new Uint8Array(32).fill(7) };

describe("role ARNs", () => {
  test("name the account, path and role", () => {
    expect(parseRoleArn("arn:aws:iam::123456789012:role/reader")).toEqual({
      account: "123456789012",
      path: "/",
      name: "reader",
    });
    expect(parseRoleArn("arn:aws:iam::123456789012:role/team/a/reader")).toEqual({
      account: "123456789012",
      path: "/team/a/",
      name: "reader",
    });
    expect(roleArn({ name: "reader", path: "/team/a/" }, "123456789012")).toBe(
      "arn:aws:iam::123456789012:role/team/a/reader",
    );
    for (const arn of [
      "arn:aws:iam::123:role/x",
      "arn:aws:iam::123456789012:user/x",
      "arn:aws:iam::123456789012:role/",
    ])
      expect(parseRoleArn(arn)).toBeUndefined();
  });
});

describe("trust policies", () => {
  const trust = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::000000000000:user/alice" },
        Action: "sts:AssumeRole",
      },
    ],
  };

  test("need a Principal and take no Resource", () => {
    expect(parsePolicy(trust, "trust").statements).toHaveLength(1);
    const { Principal: _p, ...noPrincipal } = trust.Statement[0]!;
    expect(() => parsePolicy({ ...trust, Statement: [noPrincipal] }, "trust")).toThrow(PolicyError);
    // An identity policy still may not name a Principal.
    expect(() => parsePolicy(trust, "identity")).toThrow(PolicyError);
  });

  test("trust the principal they name, and only it", () => {
    const policy = parsePolicy(trust, "trust");
    const as = (arn: string) =>
      evaluate(
        { identity: [], bucket: policy },
        {
          action: "sts:AssumeRole",
          resource: "arn:aws:iam::000000000000:role/r",
          principal: { type: "user", arn, accountId: "000000000000" },
          conditionKeys: {},
        },
      ).decision;
    expect(as("arn:aws:iam::000000000000:user/alice")).toBe("Allow");
    expect(as("arn:aws:iam::000000000000:user/bob")).toBe("ImplicitDeny");
  });
});

describe("session tags", () => {
  const tagsOf = (query: string) => sessionTagsOf(new URLSearchParams(query));

  test("are read from Tags.member.N and TransitiveTagKeys.member.N", () => {
    expect(tagsOf("Tags.member.1.Key=team&Tags.member.1.Value=red&TransitiveTagKeys.member.1=team")).toEqual({
      tags: { team: "red" },
      transitiveTagKeys: ["team"],
    });
    expect(tagsOf("")).toEqual({ tags: {}, transitiveTagKeys: [] });
  });

  test("refuse keys that differ only in case and transitive keys that are not tags", () => {
    expect(() =>
      tagsOf("Tags.member.1.Key=team&Tags.member.1.Value=a&Tags.member.2.Key=Team&Tags.member.2.Value=b"),
    ).toThrow(QueryError);
    expect(() =>
      tagsOf("Tags.member.1.Key=team&Tags.member.1.Value=a&TransitiveTagKeys.member.1=cost"),
    ).toThrow(QueryError);
  });

  test("travel in the token with the role-session mark", async () => {
    const issued = await issueSession(
      {
        parentUser: "alice",
        parentAccessKeyId: "S3DPARENTKEY00000000",
        roleArn: "arn:aws:iam::000000000000:role/reader",
        sessionName: "job",
        roleSession: true,
        tags: { team: "red" },
        transitiveTagKeys: ["team"],
        durationSeconds: 900,
      },
      key,
    );
    const claims = await openSessionToken(issued.sessionToken, (id) => (id === key.id ? key : undefined));
    expect(claims).toMatchObject({ roleSession: true, tags: { team: "red" }, transitiveTagKeys: ["team"] });
    const session = sessionCredential(claims!, issued.sessionToken).principal.session!;
    expect(session.role).toBe(true);
    expect(session.tags).toEqual({ team: "red" });
  });

  test("a session without a role or tags keeps the older token shape", async () => {
    const issued = await issueSession(
      {
        parentUser: "alice",
        parentAccessKeyId: "S3DPARENTKEY00000000",
        roleArn: "arn:aws:iam::000000000000:role/none",
        sessionName: "job",
        durationSeconds: 900,
      },
      key,
    );
    const claims = await openSessionToken(issued.sessionToken, () => key);
    expect(claims?.roleSession).toBeUndefined();
    expect(claims?.tags).toBeUndefined();
  });
});
