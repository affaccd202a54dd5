import type { IamPaths } from "./iam-paths.ts";
import { openLdapConfig, readLdapConfig } from "./ldap-config.ts";
import { LdapLoginError, ldapLogin } from "./ldap-directory.ts";
import { ldapPolicyNames } from "./ldap-policies.ts";
import { getPolicy } from "./policy-admin.ts";
import type { SecretsKey } from "./secrets-key.ts";

/** What AssumeRoleWithLDAPIdentity learns from the directory, or why it cannot say. */
export type LdapLoginResult =
  | { ok: true; username: string; dn: string; policies: string[] }
  | { ok: false; reason: "not-configured" | "denied" | "no-policy" | "unavailable"; message: string };

/** Logs an LDAP user in with the configuration of the root (read at each call: the CLI may change it). */
export function createLdapLogin(root: string, paths: IamPaths, secretsKey: SecretsKey) {
  return async (username: string, password: string): Promise<LdapLoginResult> => {
    const config = await readLdapConfig(root);
    if (!config) return { ok: false, reason: "not-configured", message: "LDAP is not configured" };
    const settings = openLdapConfig(config, secretsKey);
    try {
      const identity = await ldapLogin(settings, username, password);
      const policies = await ldapPolicyNames(settings, identity, (name) =>
        getPolicy(paths, name).then(
          () => true,
          () => false,
        ),
      );
      if (policies.length === 0)
        return { ok: false, reason: "no-policy", message: `no policy is mapped to ${identity.dn}` };
      return { ok: true, username, dn: identity.dn, policies };
    } catch (e) {
      if (e instanceof LdapLoginError) return { ok: false, reason: e.reason, message: e.message };
      throw e;
    }
  };
}
