/** Pieces of IAM responses shared by the group, role and service-account actions. */
import { userArn } from "../../auth/account.ts";
import { stableId } from "../../iam/iam-admin-service.ts";
import type { GroupRecord, RoleRecord, UserRecord } from "../../iam/iam-records.ts";
import { roleArn } from "../../iam/role-admin.ts";
import { policyArn } from "./iam-params.ts";
import { el } from "./query-xml.ts";

export function isoSeconds(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19)}Z`;
}

export function members(items: string[]): string {
  return items.map((item) => `<member>${item}</member>`).join("");
}

/** A policy document as IAM returns it: URL-encoded (clients such as boto3 decode it). */
export function encodedDocument(document: string): string {
  return encodeURIComponent(document);
}

export function userRecordXml(user: UserRecord, account: string): string {
  return (
    `${el("Path", "/")}${el("UserName", user.name)}` +
    `${el("UserId", stableId("AIDA", `user:${user.name}:${user.created}`))}` +
    `${el("Arn", userArn(user.name, account))}${el("CreateDate", isoSeconds(user.created))}`
  );
}

export function groupArn(name: string, account: string): string {
  return `arn:aws:iam::${account}:group/${name}`;
}

export function groupXml(group: GroupRecord, account: string): string {
  return (
    `${el("Path", "/")}${el("GroupName", group.name)}` +
    `${el("GroupId", stableId("AGPA", `group:${group.name}:${group.created}`))}` +
    `${el("Arn", groupArn(group.name, account))}${el("CreateDate", isoSeconds(group.created))}`
  );
}

export function roleXml(role: RoleRecord, account: string): string {
  return (
    `${el("Path", role.path)}${el("RoleName", role.name)}` +
    `${el("RoleId", stableId("AROA", `role:${role.name}:${role.created}`))}` +
    `${el("Arn", roleArn(role, account))}${el("CreateDate", isoSeconds(role.created))}` +
    `${el("AssumeRolePolicyDocument", encodedDocument(role.trustPolicy))}` +
    `${role.description ? el("Description", role.description) : ""}` +
    `${el("MaxSessionDuration", role.maxSessionDuration)}`
  );
}

/** `<AttachedPolicies>` members for policy names. */
export function attachedPoliciesXml(names: string[], account: string): string {
  return members(names.map((n) => `${el("PolicyName", n)}${el("PolicyArn", policyArn(n, account))}`));
}
