/** The built-in policies: attachable to any user, never stored, never removable. */
export const builtinPolicies = {
  readonly: {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["s3:GetBucketLocation", "s3:GetObject", "s3:ListAllMyBuckets", "s3:ListBucket"],
        Resource: ["arn:aws:s3:::*"],
      },
    ],
  },
  writeonly: {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: ["arn:aws:s3:::*"],
      },
    ],
  },
  readwrite: {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: ["s3:*"], Resource: ["arn:aws:s3:::*"] }],
  },
} as const;

export type BuiltinPolicyName = keyof typeof builtinPolicies;

export function isBuiltinPolicy(name: string): name is BuiltinPolicyName {
  return Object.hasOwn(builtinPolicies, name);
}
