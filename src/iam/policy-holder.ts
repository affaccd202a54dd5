import type * as v from "valibot";
import { isBuiltinPolicy } from "./builtin-policies.ts";
import { IamError } from "./iam-error.ts";
import type { IamPaths } from "./iam-paths.ts";
import { policyRecordSchema } from "./iam-records.ts";
import { validatePolicyDocument } from "./policy-document.ts";
import { readEntity, replaceEntity } from "./versioned-file.ts";

/** What groups and roles share with users: attached policy names and inline documents. */
export interface PolicyHolder {
  name: string;
  policies: string[];
  inlinePolicies: Record<string, string>;
  version: number;
}

/** Where one kind of holder (group, role) is stored and how it is named in messages. */
export interface HolderStore<T extends PolicyHolder> {
  kind: "group" | "role";
  file(name: string): string;
  schema: v.GenericSchema<unknown, T>;
}

export async function requireHolder<T extends PolicyHolder>(store: HolderStore<T>, name: string): Promise<T> {
  const record = await readEntity(store.file(name), store.schema);
  if (!record) throw new IamError("NoSuchEntity", `The ${store.kind} with name ${name} cannot be found.`);
  return record as T;
}

/** Reads version N, applies change, publishes N+1 (refused if someone else wrote N+1 first). */
export async function updateHolder<T extends PolicyHolder>(
  store: HolderStore<T>,
  name: string,
  change: (record: T) => T,
): Promise<T> {
  const current = await requireHolder(store, name);
  const next = { ...change(structuredClone(current)), version: current.version + 1 };
  await replaceEntity(store.file(name), store.schema, next);
  return next;
}

export function checkDocument(text: string, kind: "identity" | "trust" = "identity"): string {
  try {
    return validatePolicyDocument(text, kind);
  } catch (e) {
    throw new IamError("MalformedPolicyDocument", e instanceof Error ? e.message : String(e));
  }
}

export async function putHolderPolicy<T extends PolicyHolder>(
  store: HolderStore<T>,
  name: string,
  policyName: string,
  text: string,
): Promise<void> {
  const document = checkDocument(text);
  await updateHolder(store, name, (r) => ({
    ...r,
    inlinePolicies: { ...r.inlinePolicies, [policyName]: document },
  }));
}

export async function getHolderPolicy<T extends PolicyHolder>(
  store: HolderStore<T>,
  name: string,
  policyName: string,
): Promise<string> {
  const record = await requireHolder(store, name);
  if (!Object.hasOwn(record.inlinePolicies, policyName)) throw noInline(store, name, policyName);
  return record.inlinePolicies[policyName]!;
}

export async function listHolderPolicies<T extends PolicyHolder>(
  store: HolderStore<T>,
  name: string,
): Promise<string[]> {
  return Object.keys((await requireHolder(store, name)).inlinePolicies).sort();
}

export async function deleteHolderPolicy<T extends PolicyHolder>(
  store: HolderStore<T>,
  name: string,
  policyName: string,
): Promise<void> {
  await updateHolder(store, name, (r) => {
    if (!Object.hasOwn(r.inlinePolicies, policyName)) throw noInline(store, name, policyName);
    const { [policyName]: _removed, ...rest } = r.inlinePolicies;
    return { ...r, inlinePolicies: rest };
  });
}

/** Attaches a managed policy (built-in or custom); attaching it again succeeds, as in AWS. */
export async function attachHolderPolicy<T extends PolicyHolder>(
  paths: IamPaths,
  store: HolderStore<T>,
  name: string,
  policyName: string,
): Promise<void> {
  if (!isBuiltinPolicy(policyName) && !(await readEntity(paths.policy(policyName), policyRecordSchema)))
    throw new IamError("NoSuchEntity", `Policy ${policyName} does not exist or is not attachable.`);
  const record = await requireHolder(store, name);
  if (record.policies.includes(policyName)) return;
  await updateHolder(store, name, (r) => ({ ...r, policies: [...r.policies, policyName] }));
}

export async function detachHolderPolicy<T extends PolicyHolder>(
  store: HolderStore<T>,
  name: string,
  policyName: string,
): Promise<void> {
  await updateHolder(store, name, (r) => {
    if (!r.policies.includes(policyName))
      throw new IamError(
        "NoSuchEntity",
        `Policy ${policyName} was not found attached to ${store.kind} ${name}.`,
      );
    return { ...r, policies: r.policies.filter((p) => p !== policyName) };
  });
}

/** DeleteConflict while the holder still has policies, as DeleteGroup and DeleteRole refuse. */
export function refuseWhileHoldingPolicies(record: PolicyHolder): void {
  if (record.policies.length > 0 || Object.keys(record.inlinePolicies).length > 0)
    throw new IamError(
      "DeleteConflict",
      `Cannot delete entity, must ${record.policies.length > 0 ? "detach all policies" : "delete policies"} first.`,
    );
}

function noInline<T extends PolicyHolder>(
  store: HolderStore<T>,
  _name: string,
  policyName: string,
): IamError {
  return new IamError("NoSuchEntity", `The ${store.kind} policy with name ${policyName} cannot be found.`);
}
