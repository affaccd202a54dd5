import { IamError } from "./iam-error.ts";
import type { IamPaths } from "./iam-paths.ts";
import { type GroupRecord, groupRecordSchema, type UserRecord } from "./iam-records.ts";
import { checkPolicyName } from "./policy-admin.ts";
import { type HolderStore, refuseWhileHoldingPolicies, requireHolder } from "./policy-holder.ts";
import { checkUserName } from "./user-admin.ts";
import { listJsonNames, listUserRecords, requireUser, rootUserName, updateUser } from "./user-files.ts";
import { createEntity, readEntity, removeEntity, VersionConflictError } from "./versioned-file.ts";

/**
 * IAM groups: a group file holds the group's policies; membership is kept on the user (its
 * `groups`), so a user's rights are read from its own file and its groups' files only.
 */
export function groupStore(paths: IamPaths): HolderStore<GroupRecord> {
  return { kind: "group", file: paths.group, schema: groupRecordSchema };
}

export function checkGroupName(name: string): string {
  try {
    return checkPolicyName(name);
  } catch {
    throw new IamError("ValidationError", `invalid group name '${name}': 1-128 letters, digits and +=,.@_-`);
  }
}

export async function createGroup(paths: IamPaths, name: string): Promise<GroupRecord> {
  checkGroupName(name);
  const group: GroupRecord = {
    name,
    policies: [],
    inlinePolicies: {},
    created: new Date().toISOString(),
    version: 1,
  };
  try {
    await createEntity(paths.group(name), group);
  } catch (e) {
    if (e instanceof VersionConflictError)
      throw new IamError("EntityAlreadyExists", `Group with name ${name} already exists.`);
    throw e;
  }
  return group;
}

export async function requireGroup(paths: IamPaths, name: string): Promise<GroupRecord> {
  checkGroupName(name);
  return await requireHolder(groupStore(paths), name);
}

/** The members of a group, sorted by name. */
export async function groupMembers(paths: IamPaths, name: string): Promise<UserRecord[]> {
  return (await listUserRecords(paths)).filter((u) => u.groups?.includes(name));
}

export async function listGroups(paths: IamPaths): Promise<GroupRecord[]> {
  const groups = await Promise.all(
    (await listJsonNames(paths.groups)).map((n) => readEntity(paths.group(n), groupRecordSchema)),
  );
  return groups.filter((g): g is GroupRecord => g !== undefined);
}

/** Refused (DeleteConflict) while the group has members or policies, as the IAM API does. */
export async function deleteGroup(paths: IamPaths, name: string): Promise<void> {
  const group = await requireGroup(paths, name);
  if ((await groupMembers(paths, name)).length > 0)
    throw new IamError("DeleteConflict", "Cannot delete entity, must remove users from group first.");
  refuseWhileHoldingPolicies(group);
  await removeEntity(paths.group(name), groupRecordSchema, group.version);
}

export async function addUserToGroup(paths: IamPaths, groupName: string, userName: string): Promise<void> {
  await requireGroup(paths, groupName);
  checkUserName(userName);
  if (userName === rootUserName)
    throw new IamError("UnmodifiableEntity", "the root user has every right; groups do not apply");
  const user = await requireUser(paths, userName);
  if (user.groups?.includes(groupName)) return;
  await updateUser(paths, userName, (u) => ({ ...u, groups: [...(u.groups ?? []), groupName] }));
}

export async function removeUserFromGroup(
  paths: IamPaths,
  groupName: string,
  userName: string,
): Promise<void> {
  await requireGroup(paths, groupName);
  checkUserName(userName);
  await updateUser(paths, userName, (u) => {
    if (!u.groups?.includes(groupName))
      throw new IamError("NoSuchEntity", `User ${userName} is not in group ${groupName}.`);
    const groups = u.groups.filter((g) => g !== groupName);
    const { groups: _old, ...rest } = u;
    return groups.length > 0 ? { ...rest, groups } : rest;
  });
}

/** The groups of a user that still exist, sorted by name. */
export async function groupsForUser(paths: IamPaths, userName: string): Promise<GroupRecord[]> {
  checkUserName(userName);
  if (userName === rootUserName) return [];
  const user = await requireUser(paths, userName);
  const groups = await Promise.all(
    [...(user.groups ?? [])].sort().map((g) => readEntity(paths.group(g), groupRecordSchema)),
  );
  return groups.filter((g): g is GroupRecord => g !== undefined);
}

/** Removes a group whatever it holds (the CLI's `group remove`): its members leave it first. */
export async function removeGroup(paths: IamPaths, name: string): Promise<void> {
  const group = await requireGroup(paths, name);
  for (const user of await groupMembers(paths, name)) await removeUserFromGroup(paths, name, user.name);
  await removeEntity(paths.group(name), groupRecordSchema, group.version);
}
