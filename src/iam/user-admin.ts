import { unlink } from "node:fs/promises";
import * as v from "valibot";
import { IamError } from "./iam-error.ts";
import type { IamPaths } from "./iam-paths.ts";
import type { PosixOwner, Role, UserRecord } from "./iam-records.ts";
import { userNameSchema, userRecordSchema } from "./iam-records.ts";
import {
  listUserRecords,
  readUser,
  requireUser,
  rootUserName,
  rootUserRecord,
  updateUser,
} from "./user-files.ts";
import { createEntity, removeEntity } from "./versioned-file.ts";

export function checkUserName(name: string): string {
  const result = v.safeParse(userNameSchema, name);
  if (!result.success)
    throw new IamError("ValidationError", `invalid user name '${name}': ${result.issues[0].message}`);
  return result.output;
}

export async function addUser(
  paths: IamPaths,
  name: string,
  role: Role,
  posix?: PosixOwner,
): Promise<UserRecord> {
  checkUserName(name);
  if (name === rootUserName)
    throw new IamError("EntityAlreadyExists", "the user 'root' is reserved for the root credential");
  const user: UserRecord = {
    name,
    role,
    policies: [],
    inlinePolicies: {},
    accessKeys: [],
    created: new Date().toISOString(),
    version: 1,
  };
  if (posix) user.posix = { ...posix };
  try {
    await createEntity(paths.user(name), user);
  } catch (e) {
    if ((await readUser(paths, name)) !== undefined)
      throw new IamError("EntityAlreadyExists", `user ${name} already exists`);
    throw e;
  }
  return user;
}

/** Sets (or, with undefined, clears) the POSIX owner of the files a user writes; root has none. */
export async function setUserPosix(
  paths: IamPaths,
  name: string,
  posix: PosixOwner | undefined,
): Promise<UserRecord> {
  checkUserName(name);
  if (name === rootUserName)
    throw new IamError("UnmodifiableEntity", "the root credential writes files as the server's user");
  return await updateUser(paths, name, (user) => {
    if (posix) user.posix = { ...posix };
    else delete user.posix;
    return user;
  });
}

/**
 * Disables or enables a user: while disabled, every key of the user (its service accounts' too)
 * and every session it started is refused; its keys keep their own Active/Inactive status.
 */
export async function setUserEnabled(paths: IamPaths, name: string, enabled: boolean): Promise<UserRecord> {
  checkUserName(name);
  if (name === rootUserName) throw new IamError("UnmodifiableEntity", "the root user cannot be disabled");
  return await updateUser(paths, name, (user) => {
    if (enabled) delete user.disabled;
    else user.disabled = true;
    return user;
  });
}

/** The root user first, then every stored user. */
export async function listUsers(paths: IamPaths): Promise<UserRecord[]> {
  return [rootUserRecord(), ...(await listUserRecords(paths))];
}

export async function showUser(paths: IamPaths, name: string): Promise<UserRecord> {
  checkUserName(name);
  return name === rootUserName ? rootUserRecord() : await requireUser(paths, name);
}

export interface RemoveUserOptions {
  /** Refuse (DeleteConflict) while the user has access keys or policies, as the IAM API does. */
  onlyIfUnused?: boolean;
}

/**
 * Removes a user and its key index entries (the user file goes first: its keys stop working at
 * once). With onlyIfUnused, a user that still has keys or policies is refused; the removal is
 * version-checked, so a key added meanwhile makes it fail rather than vanish.
 */
export async function removeUser(
  paths: IamPaths,
  name: string,
  options: RemoveUserOptions = {},
): Promise<void> {
  checkUserName(name);
  if (name === rootUserName) throw new IamError("UnmodifiableEntity", "the root user cannot be removed");
  const user = await requireUser(paths, name);
  if (options.onlyIfUnused) refuseWhileUsed(user);
  await removeEntity(paths.user(name), userRecordSchema, user.version);
  for (const key of user.accessKeys) await unlink(paths.key(key.accessKeyId)).catch(() => {});
}

function refuseWhileUsed(user: UserRecord): void {
  const uses = [
    user.accessKeys.length > 0 ? "access keys" : "",
    user.policies.length > 0 ? "attached policies" : "",
    Object.keys(user.inlinePolicies).length > 0 ? "inline policies" : "",
  ].filter(Boolean);
  if (uses.length > 0) {
    throw new IamError(
      "DeleteConflict",
      `user ${user.name} still has ${uses.join(", ")}; remove them before the user`,
    );
  }
}
