import { builtinPolicies, type Policy, parsePolicy } from "../auth/policy/index.ts";
import { isBuiltinPolicy } from "./builtin-policies.ts";
import type { IamPaths } from "./iam-paths.ts";
import type { GroupRecord, RoleRecord, UserRecord } from "./iam-records.ts";
import { groupRecordSchema, policyRecordSchema } from "./iam-records.ts";
import type { PolicyHolder } from "./policy-holder.ts";
import { createStampedCache } from "./stamped-cache.ts";
import { readEntity } from "./versioned-file.ts";

/**
 * The parsed identity policies of a user (its own and its groups'), or of a role: attached
 * built-ins and custom policies, and inline ones. Custom policy and group files are re-checked at
 * most once a second (one stat), so an edit made on another host, or a group's change, is
 * enforced within about a second; a policy or group that vanished grants nothing. Membership is
 * on the user record, which the IAM store re-reads as often.
 */
export function createIdentityPolicies(pathsOf: (account: string) => IamPaths, now: () => number = Date.now) {
  const custom = createStampedCache(async (file) => {
    const record = await readEntity(file, policyRecordSchema);
    return record ? parsePolicy(record.document, "identity") : undefined;
  }, now);
  const groups = createStampedCache<GroupRecord>((file) => readEntity(file, groupRecordSchema), now);
  const inline = new Map<string, { version: number; policies: Policy[] }>();

  function inlinePolicies(id: string, holder: PolicyHolder): Policy[] {
    const cached = inline.get(id);
    if (cached?.version === holder.version) return cached.policies;
    const policies = Object.values(holder.inlinePolicies).map((doc) => parsePolicy(doc, "identity"));
    if (inline.size >= 10_000) inline.clear();
    inline.set(id, { version: holder.version, policies });
    return policies;
  }

  async function holderPolicies(paths: IamPaths, id: string, holder: PolicyHolder): Promise<Policy[]> {
    const attached = await Promise.all(
      holder.policies.map((name) =>
        isBuiltinPolicy(name) ? builtinPolicies[name] : custom(paths.policy(name)),
      ),
    );
    return [...attached.filter((p): p is Policy => p !== undefined), ...inlinePolicies(id, holder)];
  }

  /** The policies of a user of an account: its own and those of its groups (union). */
  async function policiesOf(user: UserRecord, account: string): Promise<Policy[]> {
    const paths = pathsOf(account);
    const own = holderPolicies(paths, paths.user(user.name), user);
    const ofGroups = (user.groups ?? []).map(async (name) => {
      const file = paths.group(name);
      const group = await groups(file);
      return group ? await holderPolicies(paths, file, group) : [];
    });
    return (await Promise.all([own, ...ofGroups])).flat();
  }

  /** The permission policies of a role (what its sessions may do, before a session policy). */
  async function ofRole(role: RoleRecord, account: string): Promise<Policy[]> {
    const paths = pathsOf(account);
    return await holderPolicies(paths, paths.role(role.name), role);
  }

  return Object.assign(policiesOf, { ofRole });
}
