import { iamPaths } from "./iam-paths.ts";
import { policyDocuments } from "./oidc-policies.ts";
import type { ResolvedRole } from "./role-directory.ts";

/** What AssumeRoleWithWebIdentity needs to know of a role (AWS's mapping). */
export interface RoleTrust {
  /** The role's trust policy (assume-role policy document), JSON. */
  trustPolicy: string;
  /** The role's permissions: its inline and attached identity policies, as JSON documents. */
  permissions: string[];
  /** The role's MaxSessionDuration in seconds (AWS: 3600 … 43200); absent: one hour. */
  maxSessionDuration?: number;
  /** The account the role belongs to (12 digits); absent: the first account. */
  account?: string;
}

/** Finds a role by ARN; undefined when there is no such role. */
export type RoleLookup = (roleArn: string) => Promise<RoleTrust | undefined>;

/**
 * The stored roles (CreateRole) as web identity sees them: the trust policy as written, and the
 * role's inline policies plus the documents of its attached ones, read when the session is issued.
 */
export function createRoleTrust(
  root: string,
  roleByArn: (arn: string) => Promise<ResolvedRole | undefined>,
): RoleLookup {
  return async (roleArn) => {
    const role = await roleByArn(roleArn);
    if (!role) return undefined;
    const { record, account } = role;
    const attached = await policyDocuments(iamPaths(root, account), record.policies);
    return {
      trustPolicy: record.trustPolicy,
      permissions: [...Object.values(record.inlinePolicies), ...attached],
      maxSessionDuration: record.maxSessionDuration,
      account,
    };
  };
}
