import { IamError } from "./iam-error.ts";
import type { IamPaths } from "./iam-paths.ts";
import { type RoleRecord, roleRecordSchema } from "./iam-records.ts";
import {
  checkDocument,
  type HolderStore,
  refuseWhileHoldingPolicies,
  requireHolder,
  updateHolder,
} from "./policy-holder.ts";
import { listJsonNames } from "./user-files.ts";
import { createEntity, readEntity, removeEntity, VersionConflictError } from "./versioned-file.ts";

/** A role's MaxSessionDuration: AWS's 1 h … 12 h, up to 7 days here (as `--sts-max-duration`). */
export const minRoleSessionSeconds = 3600;
export const maxRoleSessionSeconds = 604_800;

export function roleStore(paths: IamPaths): HolderStore<RoleRecord> {
  return { kind: "role", file: paths.role, schema: roleRecordSchema };
}

export function checkRoleName(name: string): string {
  if (!/^[\w+=,.@-]{1,64}$/.test(name))
    throw new IamError("ValidationError", `invalid role name '${name}': 1-64 letters, digits and +=,.@_-`);
  return name;
}

/** `arn:aws:iam::<account>:role/<path><name>` */
export function roleArn(role: Pick<RoleRecord, "name" | "path">, account: string): string {
  return `arn:aws:iam::${account}:role${role.path}${role.name}`;
}

/** The account, path and name an ARN names as a role; undefined when it is not a role ARN. */
export function parseRoleArn(arn: string): { account: string; path: string; name: string } | undefined {
  const m = /^arn:aws:iam::(\d{12}):role(\/(?:[!-~]*\/)?)([\w+=,.@-]{1,64})$/.exec(arn);
  return m ? { account: m[1]!, path: m[2]!, name: m[3]! } : undefined;
}

export interface CreateRoleInput {
  name: string;
  trustPolicy: string;
  path?: string;
  description?: string;
  maxSessionDuration?: number;
}

export async function createRole(paths: IamPaths, input: CreateRoleInput): Promise<RoleRecord> {
  checkRoleName(input.name);
  const path = input.path ?? "/";
  if (!/^\/(?:[!-~]*\/)?$/.test(path) || path.length > 512)
    throw new IamError("ValidationError", `invalid path '${path}': "/" or /text/ of 1-512 characters`);
  const maxSessionDuration = input.maxSessionDuration ?? minRoleSessionSeconds;
  checkMaxSession(maxSessionDuration);
  const role: RoleRecord = {
    name: input.name,
    path,
    ...(input.description ? { description: input.description } : {}),
    trustPolicy: checkDocument(input.trustPolicy, "trust"),
    maxSessionDuration,
    policies: [],
    inlinePolicies: {},
    created: new Date().toISOString(),
    version: 1,
  };
  try {
    await createEntity(paths.role(input.name), role);
  } catch (e) {
    if (e instanceof VersionConflictError)
      throw new IamError("EntityAlreadyExists", `Role with name ${input.name} already exists.`);
    throw e;
  }
  return role;
}

function checkMaxSession(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < minRoleSessionSeconds || seconds > maxRoleSessionSeconds)
    throw new IamError(
      "ValidationError",
      `MaxSessionDuration must be between ${minRoleSessionSeconds} and ${maxRoleSessionSeconds} seconds`,
    );
}

export async function getRole(paths: IamPaths, name: string): Promise<RoleRecord> {
  checkRoleName(name);
  return await requireHolder(roleStore(paths), name);
}

export async function listRoles(paths: IamPaths): Promise<RoleRecord[]> {
  const roles = await Promise.all(
    (await listJsonNames(paths.roles)).map((n) => readEntity(paths.role(n), roleRecordSchema)),
  );
  return roles.filter((r): r is RoleRecord => r !== undefined);
}

/** Refused (DeleteConflict) while the role has policies, as the IAM API does. */
export async function deleteRole(paths: IamPaths, name: string): Promise<void> {
  const role = await getRole(paths, name);
  refuseWhileHoldingPolicies(role);
  await removeEntity(paths.role(name), roleRecordSchema, role.version);
}

export async function updateAssumeRolePolicy(paths: IamPaths, name: string, text: string): Promise<void> {
  checkRoleName(name);
  const trustPolicy = checkDocument(text, "trust");
  await updateHolder(roleStore(paths), name, (r) => ({ ...r, trustPolicy }));
}

export interface UpdateRoleInput {
  description?: string;
  maxSessionDuration?: number;
}

export async function updateRole(paths: IamPaths, name: string, input: UpdateRoleInput): Promise<void> {
  checkRoleName(name);
  if (input.maxSessionDuration !== undefined) checkMaxSession(input.maxSessionDuration);
  await updateHolder(roleStore(paths), name, (r) => ({
    ...r,
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.maxSessionDuration !== undefined ? { maxSessionDuration: input.maxSessionDuration } : {}),
  }));
}
