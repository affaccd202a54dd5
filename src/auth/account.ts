import { roleNameOf } from "./session-token.ts";
import type { Principal } from "./types.ts";

/**
 * The id of the first account: the one the root credential of an install belongs to, and every
 * user, key and bucket made before accounts existed (its id never changes, so ARNs stay valid).
 */
export const firstAccountId = "000000000000";

/** @deprecated the first account's id; principals carry their own (accountOf). */
export const accountId = firstAccountId;

/** The account a principal acts in (principals without one belong to the first account). */
export function accountOf(principal: Principal): string {
  return principal.account ?? firstAccountId;
}

export function rootArn(account: string = firstAccountId): string {
  return `arn:aws:iam::${account}:root`;
}

export function userArn(name: string, account: string = firstAccountId): string {
  return `arn:aws:iam::${account}:user/${name}`;
}

export function assumedRoleArn(
  roleArn: string,
  sessionName: string,
  account: string = firstAccountId,
): string {
  return `arn:aws:sts::${account}:assumed-role/${roleNameOf(roleArn)}/${sessionName}`;
}
