import { describe, expect, test } from "bun:test";
import {
  isKnownActionPattern,
  PolicyError,
  type PolicyKind,
  parseBucketPolicy,
  parsePolicy,
} from "../../src/auth/policy/index.ts";

const stmt = (extra: object) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", ...extra }] });
const ok = { Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" };

describe("parsePolicy: accepted shapes", () => {
  test("single statement object, string Action/Resource, optional Sid", () => {
    const p = parsePolicy({ Version: "2012-10-17", Statement: { Effect: "Allow", ...ok } }, "identity");
    expect(p.statements).toHaveLength(1);
    expect(p.statements[0]!.action).toEqual(["s3:GetObject"]);
    expect(p.statements[0]!.sid).toBeUndefined();
  });
  test("lists, Sid, condition values of JSON numbers and booleans become strings", () => {
    const p = parsePolicy(
      stmt({
        Sid: "S1",
        Action: ["s3:Get*", "s3:List?ucket"],
        NotResource: ["arn:aws:s3:::b/private/*"],
        Condition: { NumericLessThan: { "s3:max-keys": 10 }, Bool: { "aws:SecureTransport": true } },
      }),
      "identity",
    );
    const st = p.statements[0]!;
    expect(st.sid).toBe("S1");
    expect(st.conditions.map((c) => c.values)).toEqual([["10"], ["true"]]);
  });
  test("bucket policy principals: *, {AWS: *}, account id becomes root ARN", () => {
    const base = { Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" };
    expect(parsePolicy(stmt({ ...base, Principal: "*" }), "bucket").statements[0]!.principal).toEqual({
      any: true,
    });
    expect(
      parsePolicy(stmt({ ...base, Principal: { AWS: "*" } }), "bucket").statements[0]!.principal,
    ).toEqual({
      any: true,
    });
    expect(
      parsePolicy(stmt({ ...base, Principal: { AWS: ["111122223333"] } }), "bucket").statements[0]!.principal,
    ).toEqual({ any: false, arns: ["arn:aws:iam::111122223333:root"] });
  });
  test("session policy may omit Resource; qualifiers and IfExists parse", () => {
    const p = parsePolicy(
      stmt({ Action: "s3:*", Condition: { "ForAllValues:StringLikeIfExists": { "s3:prefix": ["a/*"] } } }),
      "session",
    );
    expect(p.statements[0]!.conditions[0]).toEqual({
      operator: "StringLike",
      qualifier: "ForAllValues",
      ifExists: true,
      key: "s3:prefix",
      values: ["a/*"],
    });
  });
  test("action wildcard validation", () => {
    for (const a of [
      "s3:*",
      "s3:Get*",
      "S3:getobject",
      "s3:*Object",
      "iam:*AccessKey*",
      "sts:AssumeRole",
      "*",
    ])
      expect(a === "*" || isKnownActionPattern(a)).toBe(true);
    for (const a of ["s3:GetObjects", "s3:Frobnicate*", "ec2:*", "iam:CreateRole"])
      expect(isKnownActionPattern(a)).toBe(false);
  });
});

const malformed: [string, unknown, PolicyKind, RegExp][] = [
  ["invalid JSON", "{", "identity", /invalid JSON/],
  ["not an object", "[]", "identity", /must be a JSON object/],
  [
    "unknown top-level key",
    { Version: "2012-10-17", Statement: [], Foo: 1 },
    "identity",
    /^Foo: unknown top-level key/,
  ],
  [
    "bad Version",
    { Version: "2020-01-01", Statement: { Effect: "Allow", ...ok } },
    "identity",
    /^Version: must be/,
  ],
  ["missing Version", { Statement: { Effect: "Allow", ...ok } }, "identity", /^Version/],
  ["Statement missing", { Version: "2012-10-17" }, "identity", /^Statement: is missing/],
  ["Statement empty", { Version: "2012-10-17", Statement: [] }, "identity", /^Statement: must not be empty/],
  [
    "bad Effect",
    stmt({ Effect: "allow", ...ok }),
    "identity",
    /^Statement\[0\]\.Effect: must be "Allow" or "Deny"/,
  ],
  [
    "unknown statement key",
    stmt({ ...ok, Actions: "s3:*" }),
    "identity",
    /^Statement\[0\]\.Actions: unknown key/,
  ],
  [
    "Action and NotAction",
    stmt({ ...ok, NotAction: "s3:PutObject" }),
    "identity",
    /has both Action and NotAction/,
  ],
  ["neither Action", stmt({ Resource: "*" }), "identity", /needs Action or NotAction/],
  [
    "Resource and NotResource",
    stmt({ ...ok, NotResource: "*" }),
    "identity",
    /has both Resource and NotResource/,
  ],
  ["identity needs resource", stmt({ Action: "s3:*" }), "identity", /needs Resource or NotResource/],
  [
    "unknown action",
    stmt({ ...ok, Action: ["s3:GetObject", "s3:GetObjekt"] }),
    "identity",
    /unknown action "s3:GetObjekt"/,
  ],
  [
    "action wildcard matching nothing",
    stmt({ ...ok, Action: "s3:Zap*" }),
    "identity",
    /unknown action "s3:Zap\*"/,
  ],
  [
    "action without service",
    stmt({ ...ok, Action: "GetObject" }),
    "identity",
    /not of the form service:Action/,
  ],
  ["empty action list", stmt({ ...ok, Action: [] }), "identity", /Action: must not be an empty list/],
  [
    "resource not an ARN",
    stmt({ ...ok, Resource: "bucket/key" }),
    "identity",
    /Resource: "bucket\/key" is not/,
  ],
  [
    "resource of another service",
    stmt({ ...ok, Resource: "arn:aws:ec2:::x" }),
    "identity",
    /is not "\*" or an ARN/,
  ],
  [
    "Principal in identity policy",
    stmt({ ...ok, Principal: "*" }),
    "identity",
    /only allowed in bucket policies/,
  ],
  [
    "Principal in session policy",
    stmt({ ...ok, NotPrincipal: "*" }),
    "session",
    /only allowed in bucket policies/,
  ],
  ["bucket policy without Principal", stmt(ok), "bucket", /needs Principal or NotPrincipal/],
  [
    "Principal and NotPrincipal",
    stmt({ ...ok, Principal: "*", NotPrincipal: "*" }),
    "bucket",
    /has both Principal/,
  ],
  [
    "bad principal ARN",
    stmt({ ...ok, Principal: { AWS: "alice" } }),
    "bucket",
    /Principal\.AWS: "alice" is not/,
  ],
  [
    "Service principal",
    stmt({ ...ok, Principal: { Service: "x" } }),
    "bucket",
    /Principal\.Service: unsupported/,
  ],
  [
    "unknown operator",
    stmt({ ...ok, Condition: { StringEqual: { "s3:prefix": "a" } } }),
    "identity",
    /unknown condition operator "StringEqual"/,
  ],
  [
    "bad qualifier",
    stmt({ ...ok, Condition: { "ForSomeValues:StringLike": { k: "a" } } }),
    "identity",
    /unknown condition operator/,
  ],
  [
    "Null with IfExists",
    stmt({ ...ok, Condition: { NullIfExists: { k: "true" } } }),
    "identity",
    /Null takes no IfExists/,
  ],
  [
    "numeric value",
    stmt({ ...ok, Condition: { NumericLessThan: { "s3:max-keys": "ten" } } }),
    "identity",
    /Condition\.NumericLessThan\.s3:max-keys: value "ten" is not a number/,
  ],
  [
    "date value",
    stmt({ ...ok, Condition: { DateGreaterThan: { "aws:CurrentTime": "yesterday" } } }),
    "identity",
    /not an ISO 8601 date/,
  ],
  [
    "bool value",
    stmt({ ...ok, Condition: { Bool: { "aws:SecureTransport": "yes" } } }),
    "identity",
    /must be "true" or "false"/,
  ],
  [
    "ip value",
    stmt({ ...ok, Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/33" } } }),
    "identity",
    /not an IPv4\/IPv6 address/,
  ],
  [
    "object as value",
    stmt({ ...ok, Condition: { StringEquals: { k: { a: 1 } } } }),
    "identity",
    /must be a string, number or boolean/,
  ],
  [
    "empty operator block",
    stmt({ ...ok, Condition: { StringEquals: {} } }),
    "identity",
    /non-empty object of condition keys/,
  ],
  ["condition not object", stmt({ ...ok, Condition: "x" }), "identity", /Condition: must be an object/],
];

describe("parsePolicy: MalformedPolicy reasons", () => {
  test.each(malformed)("%s", (_name, input, kind, reason) => {
    let error: unknown;
    try {
      parsePolicy(input, kind);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as { code: string }).code).toBe("MalformedPolicy");
    expect((error as Error).message).toMatch(reason);
  });
});

describe("parseBucketPolicy", () => {
  const principal = { Principal: "*" };
  test("speaks only of its own bucket and its objects", () => {
    const own = stmt({ ...principal, Action: "s3:*", Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"] });
    expect(parseBucketPolicy(own, "b").statements).toHaveLength(1);
    for (const resource of ["arn:aws:s3:::bb/*", "arn:aws:s3:::other", "*"]) {
      const text = stmt({ ...principal, Action: "s3:GetObject", Resource: resource });
      expect(() => parseBucketPolicy(text, "b")).toThrow(
        new PolicyError(`Policy has invalid resource: ${resource}`),
      );
    }
  });

  test("refuses what parsePolicy refuses, with PolicyError", () => {
    expect(() => parseBucketPolicy("{", "b")).toThrow(PolicyError);
  });
});
