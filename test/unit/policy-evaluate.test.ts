// biome-ignore-all lint/suspicious/noTemplateCurlyInString: policy variables like ${aws:username} are literal policy text
/** Evaluation, table-driven, with the worked examples of the AWS IAM and S3 documentation. */
import { describe, expect, test } from "bun:test";
import {
  type Decision,
  evaluate,
  type Policy,
  type PolicySet,
  parsePolicy,
  type RequestContext,
  type RequestPrincipal,
} from "../../src/auth/policy/index.ts";

const alice: RequestPrincipal = {
  type: "user",
  arn: "arn:aws:iam::111122223333:user/alice",
  username: "alice",
  userid: "AIDAALICE",
  accountId: "111122223333",
};
const bob: RequestPrincipal = {
  ...alice,
  arn: "arn:aws:iam::111122223333:user/bob",
  username: "bob",
  userid: "AIDABOB",
};
const anonymous: RequestPrincipal = { type: "anonymous", arn: "*" };
const session: RequestPrincipal = {
  type: "session",
  arn: "arn:aws:sts::111122223333:assumed-role/alice/job",
  username: "alice",
  userid: "AIDAALICE:job",
  accountId: "111122223333",
};
const root: RequestPrincipal = {
  type: "root",
  arn: "arn:aws:iam::111122223333:root",
  accountId: "111122223333",
};

const req = (
  action: string,
  resource: string,
  principal: RequestPrincipal = alice,
  conditionKeys: RequestContext["conditionKeys"] = {},
): RequestContext => ({ action, resource, principal, conditionKeys });

const id = (doc: object): Policy => parsePolicy(doc, "identity");
const bucketPolicy = (doc: object): Policy => parsePolicy(doc, "bucket");
const V = "2012-10-17";

// AWS IAM User Guide: "Allows IAM users to access their own home directory in Amazon S3".
const homeFolder = id({
  Version: V,
  Statement: [
    {
      Sid: "AllowListingOfUserFolder",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: ["arn:aws:s3:::amzn-s3-demo-bucket"],
      Condition: { StringLike: { "s3:prefix": ["", "home/", "home/${aws:username}/*"] } },
    },
    {
      Sid: "AllowAllS3ActionsInUserFolder",
      Effect: "Allow",
      Action: ["s3:*"],
      Resource: ["arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*"],
    },
  ],
});

// AWS: "Denies access to AWS based on the source IP" (IAM) / S3 bucket policy "restrict to IP range".
const ipDeny = id({
  Version: V,
  Statement: {
    Effect: "Deny",
    Action: "*",
    Resource: "*",
    Condition: { NotIpAddress: { "aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"] } },
  },
});
// S3 User Guide: allow an IPv4 + IPv6 range, except single addresses.
const ipMixed = bucketPolicy({
  Version: V,
  Statement: [
    {
      Sid: "IPAllow",
      Effect: "Allow",
      Principal: "*",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::amzn-s3-demo-bucket", "arn:aws:s3:::amzn-s3-demo-bucket/*"],
      Condition: {
        IpAddress: { "aws:SourceIp": ["192.0.2.0/24", "2001:DB8:1234:5678::/64"] },
        NotIpAddress: { "aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678:ABCD::/80"] },
      },
    },
  ],
});
// S3 User Guide: "Deny requests that don't use TLS" (aws:SecureTransport).
const tlsOnly = bucketPolicy({
  Version: V,
  Statement: {
    Sid: "RestrictToTLSRequestsOnly",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: ["arn:aws:s3:::amzn-s3-demo-bucket", "arn:aws:s3:::amzn-s3-demo-bucket/*"],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  },
});
const readAll = id({ Version: V, Statement: { Effect: "Allow", Action: "s3:*", Resource: "*" } });
// IAM User Guide, explicit deny overrides allow: allow everything in a bucket, deny one prefix.
const denyPrivate = id({
  Version: V,
  Statement: {
    Sid: "DenyPrivate",
    Effect: "Deny",
    Action: "s3:*",
    Resource: "arn:aws:s3:::amzn-s3-demo-bucket/private/*",
  },
});

const B = "arn:aws:s3:::amzn-s3-demo-bucket";
type Row = [string, PolicySet, RequestContext, Decision, string?];
const rows: Row[] = [
  // home folder
  [
    "home: list bucket root",
    { identity: [homeFolder] },
    req("s3:ListBucket", B, alice, { "s3:prefix": "" }),
    "Allow",
  ],
  [
    "home: list home/",
    { identity: [homeFolder] },
    req("s3:ListBucket", B, alice, { "s3:prefix": "home/" }),
    "Allow",
  ],
  [
    "home: list own folder",
    { identity: [homeFolder] },
    req("s3:ListBucket", B, alice, { "s3:prefix": "home/alice/docs" }),
    "Allow",
  ],
  [
    "home: list other's folder",
    { identity: [homeFolder] },
    req("s3:ListBucket", B, alice, { "s3:prefix": "home/bob/" }),
    "ImplicitDeny",
  ],
  ["home: list without prefix key", { identity: [homeFolder] }, req("s3:ListBucket", B), "ImplicitDeny"],
  [
    "home: get own object",
    { identity: [homeFolder] },
    req("s3:GetObject", `${B}/home/alice/a.txt`),
    "Allow",
    "identity[0]:AllowAllS3ActionsInUserFolder",
  ],
  [
    "home: put other's object",
    { identity: [homeFolder] },
    req("s3:PutObject", `${B}/home/alice/a.txt`, bob),
    "ImplicitDeny",
  ],
  ["home: bob in his own", { identity: [homeFolder] }, req("s3:PutObject", `${B}/home/bob/x`, bob), "Allow"],
  [
    "home: no username → variable missing → no match",
    { identity: [homeFolder] },
    req("s3:GetObject", `${B}/home//a`, { ...alice, username: undefined }),
    "ImplicitDeny",
  ],
  // normalized key: the evaluator compares the ARN it is given; the caller must normalize first
  [
    "home: un-normalized ARN would slip (caller must normalize)",
    { identity: [homeFolder] },
    req("s3:GetObject", `${B}/home/alice/../bob/x`),
    "Allow",
  ],
  [
    "home: normalized ARN is judged correctly",
    { identity: [homeFolder] },
    req("s3:GetObject", `${B}/home/bob/x`),
    "ImplicitDeny",
  ],
  // explicit deny overrides allow
  [
    "deny overrides allow",
    { identity: [readAll, denyPrivate] },
    req("s3:GetObject", `${B}/private/x`),
    "Deny",
    "identity[1]:DenyPrivate",
  ],
  [
    "allow outside denied prefix",
    { identity: [readAll, denyPrivate] },
    req("s3:GetObject", `${B}/public/x`),
    "Allow",
  ],
  [
    "bucket deny overrides identity allow",
    { identity: [readAll], bucket: tlsOnly },
    req("s3:GetObject", `${B}/k`, alice, { "aws:SecureTransport": "false" }),
    "Deny",
    "bucket:RestrictToTLSRequestsOnly",
  ],
  [
    "TLS request allowed",
    { identity: [readAll], bucket: tlsOnly },
    req("s3:GetObject", `${B}/k`, alice, { "aws:SecureTransport": "true" }),
    "Allow",
  ],
  [
    "TLS deny without key: Bool on missing key is false",
    { identity: [readAll], bucket: tlsOnly },
    req("s3:GetObject", `${B}/k`),
    "Allow",
  ],
  // IP
  [
    "ip: inside range",
    { identity: [readAll, ipDeny] },
    req("s3:GetObject", `${B}/k`, alice, { "aws:SourceIp": "192.0.2.17" }),
    "Allow",
  ],
  [
    "ip: outside range denied",
    { identity: [readAll, ipDeny] },
    req("s3:GetObject", `${B}/k`, alice, { "aws:SourceIp": "198.51.100.1" }),
    "Deny",
  ],
  [
    "ip: missing SourceIp → NotIpAddress true → deny",
    { identity: [readAll, ipDeny] },
    req("s3:GetObject", `${B}/k`),
    "Deny",
  ],
  [
    "ip mixed: v4 allowed",
    { identity: [], bucket: ipMixed },
    req("s3:GetObject", `${B}/k`, anonymous, { "aws:SourceIp": "192.0.2.5" }),
    "Allow",
  ],
  [
    "ip mixed: v6 allowed",
    { identity: [], bucket: ipMixed },
    req("s3:GetObject", `${B}/k`, anonymous, { "aws:SourceIp": "2001:db8:1234:5678::1" }),
    "Allow",
  ],
  [
    "ip mixed: v6 excluded /80",
    { identity: [], bucket: ipMixed },
    req("s3:GetObject", `${B}/k`, anonymous, { "aws:SourceIp": "2001:db8:1234:5678:abcd::9" }),
    "ImplicitDeny",
  ],
  [
    "ip mixed: v4-mapped v6",
    { identity: [], bucket: ipMixed },
    req("s3:GetObject", `${B}/k`, anonymous, { "aws:SourceIp": "::ffff:192.0.2.9" }),
    "Allow",
  ],
  [
    "ip mixed: other v4",
    { identity: [], bucket: ipMixed },
    req("s3:GetObject", `${B}/k`, anonymous, { "aws:SourceIp": "10.0.0.1" }),
    "ImplicitDeny",
  ],
  // no policy
  ["nothing attached", { identity: [] }, req("s3:GetObject", `${B}/k`), "ImplicitDeny"],
  ["action case-insensitive", { identity: [readAll] }, req("S3:GETOBJECT", `${B}/k`), "Allow"],
];

describe("evaluate: AWS worked examples", () => {
  for (const [name, policies, request, decision, matched] of rows) {
    test(name, () => {
      const result = evaluate(policies, request);
      expect(result.decision).toBe(decision);
      if (matched) expect(result.matched).toBe(matched);
    });
  }
});

const publicRead = bucketPolicy({
  Version: V,
  Statement: {
    Sid: "Pub",
    Effect: "Allow",
    Principal: { AWS: "*" },
    Action: "s3:GetObject",
    Resource: `${B}/*`,
  },
});
const aliceOnly = bucketPolicy({
  Version: V,
  Statement: {
    Sid: "Alice",
    Effect: "Allow",
    Principal: { AWS: [alice.arn] },
    Action: "s3:PutObject",
    Resource: `${B}/*`,
  },
});
const rootOnly = bucketPolicy({
  Version: V,
  Statement: {
    Effect: "Allow",
    Principal: { AWS: "111122223333" },
    Action: "s3:DeleteObject",
    Resource: `${B}/*`,
  },
});
const denyAllButAlice = bucketPolicy({
  Version: V,
  Statement: {
    Sid: "NotAlice",
    Effect: "Deny",
    NotPrincipal: { AWS: alice.arn },
    Action: "s3:*",
    Resource: `${B}/*`,
  },
});
const sessionGetOnly = parsePolicy(
  { Version: V, Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: `${B}/*` } },
  "session",
);
const sessionDeny = parsePolicy(
  { Version: V, Statement: { Effect: "Deny", Action: "s3:GetObject" } },
  "session",
);
const caseCheck = id({
  Version: V,
  Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: `${B}/Docs/*` },
});
const notAction = id({
  Version: V,
  Statement: { Effect: "Allow", NotAction: "s3:Delete*", NotResource: `${B}/locked/*` },
});
const escapes = id({
  Version: V,
  Statement: {
    Effect: "Allow",
    Action: "s3:GetObject",
    Resource: `${B}/literal\${*}/\${aws:PrincipalType}/*`,
  },
});
const legacy = parsePolicy(
  {
    Version: "2008-10-17",
    Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: `${B}/\${aws:username}/*` },
  },
  "identity",
);

const more: Row[] = [
  [
    "principal *: anonymous allowed",
    { identity: [], bucket: publicRead },
    req("s3:GetObject", `${B}/k`, anonymous),
    "Allow",
  ],
  [
    "principal *: other action",
    { identity: [], bucket: publicRead },
    req("s3:PutObject", `${B}/k`, anonymous),
    "ImplicitDeny",
  ],
  ["principal ARN: alice", { identity: [], bucket: aliceOnly }, req("s3:PutObject", `${B}/k`), "Allow"],
  [
    "principal ARN: bob",
    { identity: [], bucket: aliceOnly },
    req("s3:PutObject", `${B}/k`, bob),
    "ImplicitDeny",
  ],
  [
    "principal ARN: anonymous",
    { identity: [], bucket: aliceOnly },
    req("s3:PutObject", `${B}/k`, anonymous),
    "ImplicitDeny",
  ],
  [
    "principal account id → root only",
    { identity: [], bucket: rootOnly },
    req("s3:DeleteObject", `${B}/k`, root),
    "Allow",
  ],
  [
    "principal account id: users need identity allow",
    { identity: [], bucket: rootOnly },
    req("s3:DeleteObject", `${B}/k`),
    "ImplicitDeny",
  ],
  [
    "NotPrincipal deny: alice exempt",
    { identity: [readAll], bucket: denyAllButAlice },
    req("s3:GetObject", `${B}/k`),
    "Allow",
  ],
  [
    "NotPrincipal deny: bob denied",
    { identity: [readAll], bucket: denyAllButAlice },
    req("s3:GetObject", `${B}/k`, bob),
    "Deny",
  ],
  [
    "NotPrincipal deny: anonymous denied",
    { identity: [], bucket: denyAllButAlice },
    req("s3:GetObject", `${B}/k`, anonymous),
    "Deny",
  ],
  [
    "session ∩ identity: allowed by both",
    { identity: [readAll], session: sessionGetOnly },
    req("s3:GetObject", `${B}/k`, session),
    "Allow",
  ],
  [
    "session ∩ identity: session narrows",
    { identity: [readAll], session: sessionGetOnly },
    req("s3:PutObject", `${B}/k`, session),
    "ImplicitDeny",
  ],
  [
    "session ∩ identity: session cannot widen",
    { identity: [caseCheck], session: sessionGetOnly },
    req("s3:GetObject", `${B}/k`, session),
    "ImplicitDeny",
  ],
  [
    "session deny is explicit",
    { identity: [readAll], session: sessionDeny },
    req("s3:GetObject", `${B}/k`, session),
    "Deny",
  ],
  [
    "session: bucket allow covers only its actions",
    { identity: [], bucket: publicRead, session: sessionDeny },
    req("s3:ListBucket", B, session),
    "ImplicitDeny",
  ],
  [
    "session: bucket allow counts",
    { identity: [], bucket: publicRead, session: sessionGetOnly },
    req("s3:GetObject", `${B}/k`, session),
    "Allow",
  ],
  [
    "session: bucket policy naming the user does not match the session",
    { identity: [], bucket: aliceOnly, session: sessionGetOnly },
    req("s3:PutObject", `${B}/k`, session),
    "ImplicitDeny",
  ],
  [
    "resources are case-sensitive",
    { identity: [caseCheck] },
    req("s3:GetObject", `${B}/docs/a`),
    "ImplicitDeny",
  ],
  ["resources: matching case", { identity: [caseCheck] }, req("s3:GetObject", `${B}/Docs/a`), "Allow"],
  ["NotAction/NotResource: allowed", { identity: [notAction] }, req("s3:PutObject", `${B}/x`), "Allow"],
  ["NotAction excludes", { identity: [notAction] }, req("s3:DeleteObject", `${B}/x`), "ImplicitDeny"],
  ["NotResource excludes", { identity: [notAction] }, req("s3:PutObject", `${B}/locked/x`), "ImplicitDeny"],
  ["${*} is a literal star", { identity: [escapes] }, req("s3:GetObject", `${B}/literal*/User/x`), "Allow"],
  [
    "${*} does not act as a wildcard",
    { identity: [escapes] },
    req("s3:GetObject", `${B}/literalXYZ/User/x`),
    "ImplicitDeny",
  ],
  [
    "${aws:PrincipalType} for sessions",
    { identity: [escapes] },
    req("s3:GetObject", `${B}/literal*/AssumedRole/x`, session),
    "Allow",
  ],
  [
    "2008-10-17: variables are literal text",
    { identity: [legacy] },
    req("s3:GetObject", `${B}/alice/x`),
    "ImplicitDeny",
  ],
  [
    "2008-10-17: literal match",
    { identity: [legacy] },
    req("s3:GetObject", `${B}/\${aws:username}/x`),
    "Allow",
  ],
];

describe("evaluate: principals, sessions, wildcards, variables", () => {
  for (const [name, policies, request, decision, matched] of more) {
    test(name, () => {
      const result = evaluate(policies, request);
      expect(result.decision).toBe(decision);
      if (matched) expect(result.matched).toBe(matched);
    });
  }
});
