/**
 * Access control lists as S3 defines them: an owner and grants of a permission to a grantee (a
 * canonical user or one of the predefined groups). Stored compactly (StoredAcl): a grantee is the
 * canonical id, or `group:` and the group's name.
 */
import type { StoredAcl } from "../../storage/index.ts";

export type Permission = "FULL_CONTROL" | "WRITE" | "WRITE_ACP" | "READ" | "READ_ACP";
export const permissions: readonly Permission[] = ["FULL_CONTROL", "WRITE", "WRITE_ACP", "READ", "READ_ACP"];

export type GroupName = "AllUsers" | "AuthenticatedUsers" | "LogDelivery";

const groupUris: Record<GroupName, string> = {
  AllUsers: "http://acs.amazonaws.com/groups/global/AllUsers",
  AuthenticatedUsers: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
  LogDelivery: "http://acs.amazonaws.com/groups/s3/LogDelivery",
};

export type Grantee = { kind: "user"; id: string } | { kind: "group"; group: GroupName };

export interface Grant {
  grantee: Grantee;
  permission: Permission;
}

export interface Acl {
  /** The owner's canonical id. */
  owner: string;
  grants: Grant[];
}

export function groupUri(group: GroupName): string {
  return groupUris[group];
}

/** The group a URI names (the http and https forms alike), or undefined. */
export function groupOfUri(uri: string): GroupName | undefined {
  const normalized = uri.trim().replace(/^https:/, "http:");
  for (const [group, known] of Object.entries(groupUris)) if (known === normalized) return group as GroupName;
  return undefined;
}

/** Only its owner has access (the ACL of an object or bucket that never had another). */
export function ownerOnlyAcl(owner: string): Acl {
  return { owner, grants: [{ grantee: { kind: "user", id: owner }, permission: "FULL_CONTROL" }] };
}

/** True when no grant reaches anyone but `owner` (what BucketOwnerEnforced accepts). */
export function grantsOnlyTo(acl: Acl, owner: string): boolean {
  return acl.grants.every((g) => g.grantee.kind === "user" && g.grantee.id === owner);
}

/** Public as S3 Block Public Access defines it: some grant to AllUsers or AuthenticatedUsers. */
export function isPublicAcl(acl: Acl): boolean {
  return acl.grants.some(
    (g) =>
      g.grantee.kind === "group" &&
      (g.grantee.group === "AllUsers" || g.grantee.group === "AuthenticatedUsers"),
  );
}

export function toStoredAcl(acl: Acl): StoredAcl {
  return {
    owner: acl.owner,
    grants: acl.grants.map((g) => [
      g.grantee.kind === "user" ? g.grantee.id : `group:${g.grantee.group}`,
      g.permission,
    ]),
  };
}

export function fromStoredAcl(stored: StoredAcl): Acl {
  const grants: Grant[] = [];
  for (const [who, permission] of stored.grants) {
    if (!permissions.includes(permission as Permission)) continue;
    const grantee: Grantee = who.startsWith("group:")
      ? { kind: "group", group: who.slice(6) as GroupName }
      : { kind: "user", id: who };
    if (grantee.kind === "group" && !(grantee.group in groupUris)) continue;
    grants.push({ grantee, permission: permission as Permission });
  }
  return { owner: stored.owner, grants };
}

/** A bucket ACL as the `acl` bucket setting holds it (JSON of a StoredAcl). */
export function parseStoredAclText(text: string | undefined): Acl | undefined {
  if (text === undefined) return undefined;
  try {
    const stored = JSON.parse(text) as StoredAcl;
    if (typeof stored?.owner !== "string" || !Array.isArray(stored.grants)) return undefined;
    return fromStoredAcl(stored);
  } catch {
    return undefined;
  }
}
