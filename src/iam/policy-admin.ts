import * as v from "valibot";
import { builtinPolicies, isBuiltinPolicy } from "./builtin-policies.ts";
import type { IamPaths } from "./iam-paths.ts";
import type { PolicyRecord } from "./iam-records.ts";
import { policyNameSchema, policyRecordSchema } from "./iam-records.ts";
import { validatePolicyDocument } from "./policy-document.ts";
import { listJsonNames, listUserRecords, requireUser, rootUserName, updateUser } from "./user-files.ts";
import { createEntity, readEntity, removeEntity, replaceEntity } from "./versioned-file.ts";

export interface PolicyListing {
  name: string;
  builtin: boolean;
  document: string;
}

function checkPolicyName(name: string): string {
  const result = v.safeParse(policyNameSchema, name);
  if (!result.success) throw new Error(`invalid policy name '${name}': ${result.issues[0].message}`);
  return result.output;
}

/** Adds a custom policy, or replaces its document (version check) when it exists. */
export async function addPolicy(paths: IamPaths, name: string, text: string): Promise<PolicyRecord> {
  checkPolicyName(name);
  if (isBuiltinPolicy(name)) throw new Error(`${name} is a built-in policy`);
  const document = validatePolicyDocument(text);
  const existing = await readEntity(paths.policy(name), policyRecordSchema);
  if (existing) {
    const next = { ...existing, document, version: existing.version + 1 };
    await replaceEntity(paths.policy(name), policyRecordSchema, next);
    return next;
  }
  const record: PolicyRecord = { name, document, created: new Date().toISOString(), version: 1 };
  await createEntity(paths.policy(name), record);
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
  if (!record) throw new Error(`no such policy: ${name}`);
  return { name, builtin: false, document: record.document };
}

/** Removes a custom policy; refused while any user has it attached. */
export async function removePolicy(paths: IamPaths, name: string): Promise<void> {
  checkPolicyName(name);
  if (isBuiltinPolicy(name)) throw new Error(`${name} is a built-in policy and cannot be removed`);
  const record = await readEntity(paths.policy(name), policyRecordSchema);
  if (!record) throw new Error(`no such policy: ${name}`);
  const users = (await listUserRecords(paths)).filter((u) => u.policies.includes(name)).map((u) => u.name);
  if (users.length > 0)
    throw new Error(`policy ${name} is attached to: ${users.join(", ")}; detach it first`);
  await removeEntity(paths.policy(name), policyRecordSchema, record.version);
}

export async function attachPolicy(paths: IamPaths, name: string, userName: string): Promise<void> {
  await getPolicy(paths, name);
  if (userName === rootUserName) throw new Error("the root user has every right; policies do not apply");
  await requireUser(paths, userName);
  await updateUser(paths, userName, (u) => {
    if (u.policies.includes(name)) throw new Error(`policy ${name} is already attached to ${userName}`);
    return { ...u, policies: [...u.policies, name] };
  });
}

export async function detachPolicy(paths: IamPaths, name: string, userName: string): Promise<void> {
  checkPolicyName(name);
  await updateUser(paths, userName, (u) => {
    if (!u.policies.includes(name)) throw new Error(`policy ${name} is not attached to ${userName}`);
    return { ...u, policies: u.policies.filter((p) => p !== name) };
  });
}
