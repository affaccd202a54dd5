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
 * The roles of this install. Roles with trust policies are kept by the IAM role records; until
 * they are wired here, no ARN names a role and web identities are mapped by Weka's rule only.
 */
export const roleTrust: RoleLookup = async () => undefined;
