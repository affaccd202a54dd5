import { parsePolicy } from "./parse-policy.ts";
import { type Policy, PolicyError } from "./types.ts";

/**
 * Parses a bucket policy and checks that it speaks only of this bucket and its objects; throws
 * PolicyError (MalformedPolicy) otherwise.
 */
export function parseBucketPolicy(text: string, bucket: string): Policy {
  const policy = parsePolicy(text, "bucket");
  const own = `arn:aws:s3:::${bucket}`;
  for (const statement of policy.statements) {
    for (const resource of [...(statement.resource ?? []), ...(statement.notResource ?? [])]) {
      if (resource !== own && !resource.startsWith(`${own}/`)) {
        throw new PolicyError(`Policy has invalid resource: ${resource}`);
      }
    }
  }
  return policy;
}
