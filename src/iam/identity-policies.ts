import { stat } from "node:fs/promises";
import { builtinPolicies, type Policy, parsePolicy } from "../auth/policy/index.ts";
import { isBuiltinPolicy } from "./builtin-policies.ts";
import type { IamPaths } from "./iam-paths.ts";
import type { UserRecord } from "./iam-records.ts";
import { policyRecordSchema } from "./iam-records.ts";
import { readEntity } from "./versioned-file.ts";

const revalidateMs = 1000;

interface CachedPolicy {
  policy: Policy | undefined;
  stamp: string;
  checkedAt: number;
}

/**
 * The parsed identity policies of a user: attached built-ins and custom policies, and inline
 * ones. Custom policy files are re-checked at most once a second (one stat), so an edit made on
 * another host is enforced within about a second; a policy that vanished grants nothing.
 */
export function createIdentityPolicies(pathsOf: (account: string) => IamPaths, now: () => number = Date.now) {
  const custom = new Map<string, CachedPolicy>();
  const inline = new Map<string, { version: number; policies: Policy[] }>();

  async function stampOf(file: string): Promise<string> {
    const s = await stat(file, { bigint: true }).catch(() => undefined);
    return s ? `${s.ino}:${s.mtimeNs}:${s.size}` : "";
  }

  async function customPolicy(paths: IamPaths, name: string): Promise<Policy | undefined> {
    const file = paths.policy(name);
    const cached = custom.get(file);
    const t = now();
    if (cached && t - cached.checkedAt < revalidateMs) return cached.policy;
    const stamp = await stampOf(file);
    if (cached && cached.stamp === stamp) {
      cached.checkedAt = t;
      return cached.policy;
    }
    const record = stamp ? await readEntity(file, policyRecordSchema) : undefined;
    const policy = record ? parsePolicy(record.document, "identity") : undefined;
    custom.set(file, { policy, stamp, checkedAt: t });
    return policy;
  }

  function inlinePolicies(paths: IamPaths, user: UserRecord): Policy[] {
    const id = paths.user(user.name);
    const cached = inline.get(id);
    if (cached?.version === user.version) return cached.policies;
    const policies = Object.values(user.inlinePolicies).map((doc) => parsePolicy(doc, "identity"));
    inline.set(id, { version: user.version, policies });
    return policies;
  }

  /** The policies of a user of an account (each account has its own custom policies). */
  return async function policiesOf(user: UserRecord, account: string): Promise<Policy[]> {
    const paths = pathsOf(account);
    const attached = await Promise.all(
      user.policies.map((name) =>
        isBuiltinPolicy(name) ? builtinPolicies[name] : customPolicy(paths, name),
      ),
    );
    return [...attached.filter((p): p is Policy => p !== undefined), ...inlinePolicies(paths, user)];
  };
}
