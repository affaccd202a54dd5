/**
 * Anonymous GETs the edge may cache: those a bucket policy allows to everyone. The policy is read
 * from the origin (GET /<bucket>?policy, signed with the POLICY_READER key by aws4fetch) and kept
 * POLICY_SECONDS per isolate. Anything the policy does not plainly allow goes to the origin uncached.
 */
import { AwsClient } from "aws4fetch";
import { evaluate, type Policy, parsePolicy } from "../auth/policy/index.ts";
import type { PolicyReader } from "./config.ts";

interface Cached {
  policy: Policy | undefined;
  until: number;
}

const policies = new Map<string, Cached>();
const maxPolicies = 1000;

export interface PublicAccessOptions {
  origins: readonly string[];
  region: string;
  reader: PolicyReader;
  policySeconds: number;
}

/** True when the bucket policy allows anyone s3:GetObject on this object. */
export async function anonymousReadAllowed(
  bucket: string,
  key: string,
  options: PublicAccessOptions,
): Promise<boolean> {
  if (bucket === "" || key === "") return false;
  const policy = await bucketPolicy(bucket, options);
  if (!policy) return false;
  const result = evaluate(
    { identity: [], bucket: policy },
    {
      action: "s3:GetObject",
      resource: `arn:aws:s3:::${bucket}/${key}`,
      principal: { type: "anonymous", arn: "*" },
      conditionKeys: { "aws:PrincipalType": "Anonymous" },
    },
  );
  return result.decision === "Allow";
}

async function bucketPolicy(bucket: string, options: PublicAccessOptions): Promise<Policy | undefined> {
  const now = Date.now();
  const hit = policies.get(bucket);
  if (hit && hit.until > now) return hit.policy;
  const client = new AwsClient({
    accessKeyId: options.reader.accessKeyId,
    secretAccessKey: options.reader.secretAccessKey,
    service: "s3",
    region: options.region,
  });
  let policy: Policy | undefined;
  for (const origin of options.origins) {
    try {
      const response = await client.fetch(`${origin}/${encodeURIComponent(bucket)}?policy`);
      if (response.status === 200) {
        try {
          policy = parsePolicy(await response.text(), "bucket");
        } catch {
          policy = undefined;
        }
      } else {
        await response.body?.cancel();
      }
      break;
    } catch {
      // The next origin may answer.
    }
  }
  if (policies.size >= maxPolicies) policies.clear();
  policies.set(bucket, { policy, until: now + options.policySeconds * 1000 });
  return policy;
}
