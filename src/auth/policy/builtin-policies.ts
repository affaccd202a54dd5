/** Built-in identity policies and the bucket-policy presets of the CLI. */
import { parsePolicy } from "./parse-policy.ts";
import type { Policy } from "./types.ts";

export type BuiltinPolicyName = "readonly" | "writeonly" | "readwrite";
export type BucketPolicyPreset = "none" | "download" | "upload" | "public";

const everything = ["*"];
const allow = (sid: string, action: string[], resource: string[] = everything) => ({
  Sid: sid,
  Effect: "Allow",
  Action: action,
  Resource: resource,
});
const doc = (...statements: object[]) => ({ Version: "2012-10-17", Statement: statements });

export const builtinPolicyDocuments: Readonly<Record<BuiltinPolicyName, object>> = {
  readonly: doc(allow("ReadOnly", ["s3:Get*", "s3:List*"])),
  writeonly: doc(
    allow("WriteOnly", [
      "s3:PutObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
      "s3:ListBucketMultipartUploads",
    ]),
  ),
  readwrite: doc(allow("ReadWrite", ["s3:*"])),
};

export const builtinPolicies: Readonly<Record<BuiltinPolicyName, Policy>> = {
  readonly: parsePolicy(builtinPolicyDocuments.readonly, "identity"),
  writeonly: parsePolicy(builtinPolicyDocuments.writeonly, "identity"),
  readwrite: parsePolicy(builtinPolicyDocuments.readwrite, "identity"),
};

/** Bucket policy JSON for a preset with Principal "*"; "none" gives undefined (no bucket policy). */
export function bucketPolicyPreset(preset: BucketPolicyPreset, bucket: string): string | undefined {
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const objects = `${bucketArn}/*`;
  const download = [
    { ...allow("PublicList", ["s3:ListBucket", "s3:GetBucketLocation"], [bucketArn]), Principal: "*" },
    { ...allow("PublicRead", ["s3:GetObject"], [objects]), Principal: "*" },
  ];
  const upload = [
    { ...allow("PublicUploadList", ["s3:ListBucketMultipartUploads"], [bucketArn]), Principal: "*" },
    {
      ...allow(
        "PublicUpload",
        ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        [objects],
      ),
      Principal: "*",
    },
  ];
  switch (preset) {
    case "none":
      return undefined;
    case "download":
      return JSON.stringify(doc(...download));
    case "upload":
      return JSON.stringify(doc(...upload));
    case "public":
      return JSON.stringify(doc(...download, ...upload));
  }
}
