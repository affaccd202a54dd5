import { unlink } from "node:fs/promises";
import * as v from "valibot";
import type { IamPaths } from "./iam-paths.ts";
import type { Role, UserRecord } from "./iam-records.ts";
import { userNameSchema, userRecordSchema } from "./iam-records.ts";
import { listUserRecords, readUser, requireUser, rootUserName, rootUserRecord } from "./user-files.ts";
import { createEntity, removeEntity } from "./versioned-file.ts";

export function checkUserName(name: string): string {
  const result = v.safeParse(userNameSchema, name);
  if (!result.success) throw new Error(`invalid user name '${name}': ${result.issues[0].message}`);
  return result.output;
}

export async function addUser(paths: IamPaths, name: string, role: Role): Promise<UserRecord> {
  checkUserName(name);
  if (name === rootUserName) throw new Error("the user 'root' is reserved for the root credential");
  const user: UserRecord = {
    name,
    role,
    policies: [],
    inlinePolicies: {},
    accessKeys: [],
    created: new Date().toISOString(),
    version: 1,
  };
  try {
    await createEntity(paths.user(name), user);
  } catch (e) {
    if ((await readUser(paths, name)) !== undefined) throw new Error(`user ${name} already exists`);
    throw e;
  }
  return user;
}

/** The root user first, then every stored user. */
export async function listUsers(paths: IamPaths): Promise<UserRecord[]> {
  return [rootUserRecord(), ...(await listUserRecords(paths))];
}

export async function showUser(paths: IamPaths, name: string): Promise<UserRecord> {
  checkUserName(name);
  return name === rootUserName ? rootUserRecord() : await requireUser(paths, name);
}

/** Removes a user and its key index entries (the user file goes first: its keys stop working at once). */
export async function removeUser(paths: IamPaths, name: string): Promise<void> {
  checkUserName(name);
  if (name === rootUserName) throw new Error("the root user cannot be removed");
  const user = await requireUser(paths, name);
  await removeEntity(paths.user(name), userRecordSchema, user.version);
  for (const key of user.accessKeys) await unlink(paths.key(key.accessKeyId)).catch(() => {});
}
