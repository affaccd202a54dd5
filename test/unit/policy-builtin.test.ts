import { describe, expect, test } from "bun:test";
import {
  type BucketPolicyPreset,
  type BuiltinPolicyName,
  bucketPolicyPreset,
  builtinPolicies,
  type Decision,
  evaluate,
  parsePolicy,
  type RequestPrincipal,
} from "../../src/auth/policy/index.ts";

const user: RequestPrincipal = { type: "user", arn: "arn:aws:iam::111122223333:user/u", username: "u" };
const anonymous: RequestPrincipal = { type: "anonymous", arn: "*" };
const B = "arn:aws:s3:::pics";

const builtinRows: [BuiltinPolicyName, string, string, Decision][] = [
  ["readonly", "s3:GetObject", `${B}/a`, "Allow"],
  ["readonly", "s3:ListBucket", B, "Allow"],
  ["readonly", "s3:ListAllMyBuckets", "*", "Allow"],
  ["readonly", "s3:GetBucketLocation", B, "Allow"],
  ["readonly", "s3:PutObject", `${B}/a`, "ImplicitDeny"],
  ["readonly", "s3:DeleteObject", `${B}/a`, "ImplicitDeny"],
  ["readonly", "iam:ListUsers", "*", "ImplicitDeny"],
  ["writeonly", "s3:PutObject", `${B}/a`, "Allow"],
  ["writeonly", "s3:AbortMultipartUpload", `${B}/a`, "Allow"],
  ["writeonly", "s3:ListMultipartUploadParts", `${B}/a`, "Allow"],
  ["writeonly", "s3:ListBucketMultipartUploads", B, "Allow"],
  ["writeonly", "s3:GetObject", `${B}/a`, "ImplicitDeny"],
  ["writeonly", "s3:ListBucket", B, "ImplicitDeny"],
  ["readwrite", "s3:DeleteObject", `${B}/a`, "Allow"],
  ["readwrite", "s3:PutBucketPolicy", B, "Allow"],
  ["readwrite", "iam:CreateUser", "*", "ImplicitDeny"],
  ["readwrite", "sts:AssumeRole", "*", "ImplicitDeny"],
];

describe("built-in identity policies", () => {
  for (const [name, action, resource, decision] of builtinRows) {
    test(`${name}: ${action} → ${decision}`, () => {
      const r = evaluate(
        { identity: [builtinPolicies[name]] },
        { action, resource, principal: user, conditionKeys: {} },
      );
      expect(r.decision).toBe(decision);
    });
  }
});

const presetRows: [BucketPolicyPreset, string, string, Decision][] = [
  ["download", "s3:GetObject", `${B}/a/b.jpg`, "Allow"],
  ["download", "s3:ListBucket", B, "Allow"],
  ["download", "s3:GetBucketLocation", B, "Allow"],
  ["download", "s3:PutObject", `${B}/a`, "ImplicitDeny"],
  ["download", "s3:GetObject", "arn:aws:s3:::other/a", "ImplicitDeny"],
  ["download", "s3:DeleteObject", `${B}/a`, "ImplicitDeny"],
  ["upload", "s3:PutObject", `${B}/a`, "Allow"],
  ["upload", "s3:AbortMultipartUpload", `${B}/a`, "Allow"],
  ["upload", "s3:ListMultipartUploadParts", `${B}/a`, "Allow"],
  ["upload", "s3:ListBucketMultipartUploads", B, "Allow"],
  ["upload", "s3:GetObject", `${B}/a`, "ImplicitDeny"],
  ["upload", "s3:ListBucket", B, "ImplicitDeny"],
  ["public", "s3:GetObject", `${B}/a`, "Allow"],
  ["public", "s3:PutObject", `${B}/a`, "Allow"],
  ["public", "s3:DeleteObject", `${B}/a`, "ImplicitDeny"],
  ["public", "s3:PutBucketPolicy", B, "ImplicitDeny"],
];

describe("bucket policy presets (anonymous caller)", () => {
  test("none means no bucket policy", () => expect(bucketPolicyPreset("none", "pics")).toBeUndefined());
  for (const [preset, action, resource, decision] of presetRows) {
    test(`${preset}: ${action} on ${resource} → ${decision}`, () => {
      const bucket = parsePolicy(bucketPolicyPreset(preset, "pics")!, "bucket");
      const r = evaluate(
        { identity: [], bucket },
        { action, resource, principal: anonymous, conditionKeys: {} },
      );
      expect(r.decision).toBe(decision);
    });
  }
  test("presets are Principal * JSON", () => {
    const doc = JSON.parse(bucketPolicyPreset("public", "pics")!);
    expect(doc.Version).toBe("2012-10-17");
    for (const st of doc.Statement) expect(st.Principal).toBe("*");
  });
});
