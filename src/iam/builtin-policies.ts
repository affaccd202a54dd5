import { type BuiltinPolicyName, builtinPolicyDocuments } from "../auth/policy/index.ts";

/** The built-in policies (from the policy engine): attachable to any user, never stored or removed. */
export const builtinPolicies = builtinPolicyDocuments;
export type { BuiltinPolicyName };

export function isBuiltinPolicy(name: string): name is BuiltinPolicyName {
  return Object.hasOwn(builtinPolicies, name);
}
