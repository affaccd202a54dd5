import { roleNameOf } from "./session-token.ts";

/** The account every principal of this server belongs to, as it appears in ARNs. */
export const accountId = "000000000000";

export function userArn(name: string): string {
  return `arn:aws:iam::${accountId}:user/${name}`;
}

export function assumedRoleArn(roleArn: string, sessionName: string): string {
  return `arn:aws:sts::${accountId}:assumed-role/${roleNameOf(roleArn)}/${sessionName}`;
}
