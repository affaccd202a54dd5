import { isBuiltinPolicy } from "./builtin-policies.ts";
import type { LdapSettings } from "./ldap-config.ts";
import type { LdapIdentity } from "./ldap-directory.ts";

/**
 * The policy names an LDAP identity maps to: those its groups map to (by group DN or cn, case
 * insensitive) and the values of its policy attribute, kept only when such a policy exists.
 */
export async function ldapPolicyNames(
  settings: Pick<LdapSettings, "groupPolicies">,
  identity: LdapIdentity,
  policyExists: (name: string) => Promise<boolean>,
): Promise<string[]> {
  const wanted = new Set<string>(identity.attributePolicies);
  for (const group of identity.groups) {
    for (const name of [group.dn, ...group.cn]) {
      for (const policy of settings.groupPolicies[name.toLowerCase()] ?? []) wanted.add(policy);
    }
  }
  const names = [...wanted].sort();
  const exists = await Promise.all(names.map((n) => (isBuiltinPolicy(n) ? true : policyExists(n))));
  return names.filter((_, i) => exists[i]);
}
