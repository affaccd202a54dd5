import * as v from "valibot";
import { builtinPolicies, isBuiltinPolicy } from "./builtin-policies.ts";
import { IamError } from "./iam-error.ts";
import type { IamPaths } from "./iam-paths.ts";
import type { PolicyRecord } from "./iam-records.ts";
import { policyNameSchema, policyRecordSchema } from "./iam-records.ts";
import { validatePolicyDocument } from "./policy-document.ts";
import { checkUserName } from "./user-admin.ts";
import { listJsonNames, listUserRecords, requireUser, rootUserName, updateUser } from "./user-files.ts";
import {
  createEntity,
  readEntity,
  removeEntity,
  replaceEntity,
  VersionConflictError,
} from "./versioned-file.ts";

export interface PolicyListing {
  name: string;
  builtin: boolean;
  document: string;
}

export function checkPolicyName(name: string): string {
  const result = v.safeParse(policyNameSchema, name);
  if (!result.success)
    throw new IamError("ValidationError", `invalid policy name '${name}': ${result.issues[0].message}`);
  return result.output;
}

/** A policy document checked by the policy engine and normalized; a malformed one is refused. */
function checkDocument(text: string): string {
  try {
    return validatePolicyDocument(text);
  } catch (e) {
    throw new IamError("MalformedPolicyDocument", e instanceof Error ? e.message : String(e));
  }
}

export interface AddPolicyOptions {
  /** Refuse (EntityAlreadyExists) when the policy exists instead of replacing its document. */
  createOnly?: boolean;
}

/** Adds a custom policy, or replaces its document (version check) when it exists. */
export async function addPolicy(
  paths: IamPaths,
  name: string,
  text: string,
  options: AddPolicyOptions = {},
): Promise<PolicyRecord> {
  checkPolicyName(name);
  if (isBuiltinPolicy(name))
    throw new IamError(
      options.createOnly ? "EntityAlreadyExists" : "UnmodifiableEntity",
      `${name} is a built-in policy`,
    );
  const document = checkDocument(text);
  const existing = await readEntity(paths.policy(name), policyRecordSchema);
  if (existing && options.createOnly)
    throw new IamError("EntityAlreadyExists", `policy ${name} already exists`);
  if (existing) {
    const next = { ...existing, document, version: existing.version + 1 };
    await replaceEntity(paths.policy(name), policyRecordSchema, next);
    return next;
  }
  const record: PolicyRecord = { name, document, created: new Date().toISOString(), version: 1 };
  try {
    await createEntity(paths.policy(name), record);
  } catch (e) {
    if (e instanceof VersionConflictError && options.createOnly)
      throw new IamError("EntityAlreadyExists", `policy ${name} already exists`);
    throw e;
  }
  return record;
}

export async function listPolicies(paths: IamPaths): Promise<PolicyListing[]> {
  const builtin = Object.entries(builtinPolicies).map(([name, doc]) => ({
    name,
    builtin: true,
    document: JSON.stringify(doc),
  }));
  const custom = await Promise.all((await listJsonNames(paths.policies)).map((n) => getPolicy(paths, n)));
  return [...builtin, ...custom];
}

export async function getPolicy(paths: IamPaths, name: string): Promise<PolicyListing> {
  checkPolicyName(name);
  if (isBuiltinPolicy(name)) return { name, builtin: true, document: JSON.stringify(builtinPolicies[name]) };
  const record = await readEntity(paths.policy(name), policyRecordSchema);
  if (!record) throw new IamError("NoSuchEntity", `no such policy: ${name}`);
  return { name, builtin: false, document: record.document };
}

/** Removes a custom policy; refused while any user has it attached. */
export async function removePolicy(paths: IamPaths, name: string): Promise<void> {
  checkPolicyName(name);
  if (isBuiltinPolicy(name))
    throw new IamError("UnmodifiableEntity", `${name} is a built-in policy and cannot be removed`);
  const record = await readEntity(paths.policy(name), policyRecordSchema);
  if (!record) throw new IamError("NoSuchEntity", `no such policy: ${name}`);
  const users = (await policyHolders(paths)).filter((u) => u.policies.includes(name)).map((u) => u.name);
  if (users.length > 0)
    throw new IamError(
      "DeleteConflict",
      `policy ${name} is attached to: ${users.join(", ")}; detach it first`,
    );
  await removeEntity(paths.policy(name), policyRecordSchema, record.version);
}

/** Users, groups (group:NAME) and roles (role:NAME): whatever a managed policy can be attached to. */
export async function policyHolders(paths: IamPaths): Promise<{ name: string; policies: string[] }[]> {
  const holders = async (
    dir: string,
    file: (n: string) => string,
    schema: typeof holderSchema,
    kind: string,
  ) =>
    (await Promise.all((await listJsonNames(dir)).map((n) => readEntity(file(n), schema))))
      .filter((h) => h !== undefined)
      .map((h) => ({ name: `${kind}:${h.name}`, policies: h.policies }));
  return [
    ...(await listUserRecords(paths)),
    ...(await holders(paths.groups, paths.group, holderSchema, "group")),
    ...(await holders(paths.roles, paths.role, holderSchema, "role")),
  ];
}

const holderSchema = v.looseObject({ name: v.string(), policies: v.array(v.string()) });

export async function attachPolicy(paths: IamPaths, name: string, userName: string): Promise<void> {
  await getPolicy(paths, name);
  checkUserName(userName);
  if (userName === rootUserName) throw rootHasEveryRight();
  await requireUser(paths, userName);
  await updateUser(paths, userName, (u) => {
    if (u.policies.includes(name))
      throw new IamError("EntityAlreadyExists", `policy ${name} is already attached to ${userName}`);
    return { ...u, policies: [...u.policies, name] };
  });
}

export async function detachPolicy(paths: IamPaths, name: string, userName: string): Promise<void> {
  checkPolicyName(name);
  checkUserName(userName);
  await updateUser(paths, userName, (u) => {
    if (!u.policies.includes(name))
      throw new IamError("NoSuchEntity", `policy ${name} is not attached to ${userName}`);
    return { ...u, policies: u.policies.filter((p) => p !== name) };
  });
}

function rootHasEveryRight(): IamError {
  return new IamError("UnmodifiableEntity", "the root user has every right; policies do not apply");
}

/** Adds or replaces an inline policy of a user (the document is validated first). */
export async function putInlinePolicy(
  paths: IamPaths,
  userName: string,
  name: string,
  text: string,
): Promise<void> {
  checkUserName(userName);
  checkPolicyName(name);
  if (userName === rootUserName) throw rootHasEveryRight();
  const document = checkDocument(text);
  await updateUser(paths, userName, (u) => ({
    ...u,
    inlinePolicies: { ...u.inlinePolicies, [name]: document },
  }));
}

/** The names of a user's inline policies, sorted. */
export async function listInlinePolicies(paths: IamPaths, userName: string): Promise<string[]> {
  checkUserName(userName);
  if (userName === rootUserName) return [];
  return Object.keys((await requireUser(paths, userName)).inlinePolicies).sort();
}

/** The document of one inline policy of a user. */
export async function getInlinePolicy(paths: IamPaths, userName: string, name: string): Promise<string> {
  checkUserName(userName);
  checkPolicyName(name);
  const user = userName === rootUserName ? undefined : await requireUser(paths, userName);
  if (!user || !Object.hasOwn(user.inlinePolicies, name)) throw noInlinePolicy(userName, name);
  return user.inlinePolicies[name]!;
}

export async function removeInlinePolicy(paths: IamPaths, userName: string, name: string): Promise<void> {
  checkUserName(userName);
  checkPolicyName(name);
  if (userName === rootUserName) throw noInlinePolicy(userName, name);
  await updateUser(paths, userName, (u) => {
    if (!Object.hasOwn(u.inlinePolicies, name)) throw noInlinePolicy(userName, name);
    const { [name]: _removed, ...rest } = u.inlinePolicies;
    return { ...u, inlinePolicies: rest };
  });
}

function noInlinePolicy(userName: string, name: string): IamError {
  return new IamError("NoSuchEntity", `user ${userName} has no inline policy ${name}`);
}
