/**
 * The AWS policy language engine (issue 4). Web-standard only: the edge worker reuses it.
 *
 * - parsePolicy(json, kind) validates when a policy is SAVED and throws PolicyError
 *   ("MalformedPolicy", message "path: problem"); evaluate() never throws on a parsed policy.
 * - parseBucketPolicy(json, bucket) also refuses resources outside that bucket.
 * - evaluate({identity, bucket?, session?}, request): explicit Deny anywhere wins; else Allow from
 *   (identity ∩ session) or from the bucket policy for this principal; else ImplicitDeny.
 * - The caller builds request.resource from the NORMALIZED key and short-circuits admins itself.
 */
export { isKnownActionPattern, knownActions } from "./actions.ts";
export { parseBucketPolicy } from "./bucket-policy.ts";
export {
  type BucketPolicyPreset,
  type BuiltinPolicyName,
  bucketPolicyPreset,
  builtinPolicies,
  builtinPolicyDocuments,
} from "./builtin-policies.ts";
export { evaluate } from "./evaluate.ts";
export { parseConditionBlock, parsePolicy } from "./parse-policy.ts";
export * from "./types.ts";
