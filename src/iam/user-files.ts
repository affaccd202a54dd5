import { readdir } from "node:fs/promises";
import { IamError } from "./iam-error.ts";
import type { IamPaths } from "./iam-paths.ts";
import type { UserRecord } from "./iam-records.ts";
import { userRecordSchema } from "./iam-records.ts";
import { readEntity, replaceEntity } from "./versioned-file.ts";

/** The name of the root credential's user: the first admin, reserved. */
export const rootUserName = "root";

/** The synthetic record of the root user (its key comes from root-credential.ts, not from here). */
export function rootUserRecord(): UserRecord {
  return {
    name: rootUserName,
    role: "admin",
    policies: [],
    inlinePolicies: {},
    accessKeys: [],
    created: new Date(0).toISOString(),
    version: 1,
  };
}

export async function readUser(paths: IamPaths, name: string): Promise<UserRecord | undefined> {
  return await readEntity(paths.user(name), userRecordSchema);
}

export async function requireUser(paths: IamPaths, name: string): Promise<UserRecord> {
  const user = await readUser(paths, name);
  if (!user) throw new IamError("NoSuchEntity", `no such user: ${name}`);
  return user;
}

/** Reads a user at version N, applies change, publishes N+1 (refused if someone else wrote N+1 first). */
export async function updateUser(
  paths: IamPaths,
  name: string,
  change: (user: UserRecord) => UserRecord,
): Promise<UserRecord> {
  const current = await requireUser(paths, name);
  const next = { ...change(structuredClone(current)), version: current.version + 1 };
  await replaceEntity(paths.user(name), userRecordSchema, next);
  return next;
}

/** Every stored user (not the synthetic root), sorted by name. */
export async function listUserRecords(paths: IamPaths): Promise<UserRecord[]> {
  const names = await listJsonNames(paths.users);
  const users = await Promise.all(names.map((n) => readUser(paths, n)));
  return users.filter((u): u is UserRecord => u !== undefined);
}

export async function listJsonNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir))
      .filter((f) => f.endsWith(".json") && !f.startsWith("."))
      .map((f) => f.slice(0, -5))
      .sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}
