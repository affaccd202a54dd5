import { type Policy, parsePolicy } from "../auth/policy/index.ts";
import { iamPaths } from "./iam-paths.ts";
import { type RoleRecord, roleRecordSchema } from "./iam-records.ts";
import { parseRoleArn } from "./role-admin.ts";
import { createStampedCache } from "./stamped-cache.ts";
import { readEntity } from "./versioned-file.ts";

/** A stored role found by its ARN, with its trust policy parsed. */
export interface ResolvedRole {
  arn: string;
  account: string;
  record: RoleRecord;
  trust: Policy;
}

/**
 * Roles by ARN for the server (AssumeRole, authorization of role sessions): each role file is
 * re-checked at most once a second, so a role created, changed or deleted anywhere counts within
 * about a second. An ARN that names no stored role (or a path other than the role's) is undefined.
 */
export function createRoleDirectory(root: string, now: () => number = Date.now) {
  const parsed = new Map<string, { version: number; trust: Policy }>();
  const files = createStampedCache((file) => readEntity(file, roleRecordSchema), now);

  return async function roleByArn(arn: string): Promise<ResolvedRole | undefined> {
    const named = parseRoleArn(arn);
    if (!named) return undefined;
    const file = iamPaths(root, named.account).role(named.name);
    const record = await files(file);
    if (!record || record.path !== named.path) return undefined;
    let trust = parsed.get(file);
    if (trust?.version !== record.version) {
      trust = { version: record.version, trust: parsePolicy(record.trustPolicy, "trust") };
      if (parsed.size >= 10_000) parsed.clear();
      parsed.set(file, trust);
    }
    return { arn, account: named.account, record, trust: trust.trust };
  };
}
