import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";
import { replaceAtomically } from "../runtime/shared-file.ts";
import { decryptSecret, encryptSecret, type SecretsKey } from "./secrets-key.ts";
import { ensureSystemDir } from "./system-dir.ts";

/** The AAD that binds the sealed bind password to its purpose. */
const bindPasswordAad = "ldap-bind-password";

const dnSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(1024));

export const ldapConfigSchema = v.object({
  url: v.pipe(
    v.string(),
    v.regex(/^ldaps?:\/\/[^/\s]+\/?$/, "--url is ldap://HOST:PORT or ldaps://HOST:PORT"),
  ),
  bindDn: dnSchema,
  /** The service bind password, sealed with the secrets key as access-key secrets are. */
  sealedBindPassword: v.string(),
  userSearchBase: dnSchema,
  /** `%s` stands for the escaped user name. */
  userFilter: v.pipe(v.string(), v.includes("%s", "--user-filter must contain %s (the user name)")),
  groupSearchBase: v.optional(dnSchema),
  /** `%d` stands for the user's DN, `%s` for the user name, both escaped. */
  groupFilter: v.optional(v.string()),
  /** A user attribute whose values name policies. */
  policyAttribute: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Za-z][\w-]*$/, "--policy-attribute is an attribute name")),
  ),
  /** Group (its DN or its cn, matched case-insensitively) → policy names. */
  groupPolicies: v.record(v.string(), v.array(v.string())),
  startTls: v.boolean(),
});
export type LdapConfig = v.InferOutput<typeof ldapConfigSchema>;

/** The configuration with the bind password opened, as the directory client needs it. */
export type LdapSettings = Omit<LdapConfig, "sealedBindPassword"> & { bindPassword: string };

export function ldapConfigFile(root: string): string {
  return join(root, ".s3dir", "ldap.json");
}

export async function saveLdapConfig(
  root: string,
  settings: LdapSettings,
  key: SecretsKey,
): Promise<LdapConfig> {
  const { bindPassword, ...rest } = settings;
  const config = v.parse(ldapConfigSchema, {
    ...rest,
    sealedBindPassword: encryptSecret(key, bindPassword, bindPasswordAad),
  });
  await ensureSystemDir(root);
  await replaceAtomically(ldapConfigFile(root), `${JSON.stringify(config, null, 2)}\n`);
  return config;
}

/** The stored configuration, or undefined when LDAP is not configured. */
export async function readLdapConfig(root: string): Promise<LdapConfig | undefined> {
  let text: string;
  try {
    text = await readFile(ldapConfigFile(root), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  return v.parse(ldapConfigSchema, JSON.parse(text));
}

export function openLdapConfig(config: LdapConfig, key: SecretsKey): LdapSettings {
  const { sealedBindPassword, ...rest } = config;
  return { ...rest, bindPassword: decryptSecret(key, sealedBindPassword, bindPasswordAad) };
}

/** Removes the configuration; false when there was none. */
export async function removeLdapConfig(root: string): Promise<boolean> {
  const existed = (await readLdapConfig(root)) !== undefined;
  await rm(ldapConfigFile(root), { force: true });
  return existed;
}

/** `GROUP=POLICY;GROUP=POLICY…` (a group may come back for more policies): split at each entry's last `=` (DNs contain `=`). */
export function parseGroupPolicyMap(text: string): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const entry of text
    .split(";")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const at = entry.lastIndexOf("=");
    const group = entry.slice(0, at).trim();
    const policies = [entry.slice(at + 1).trim()].filter(Boolean);
    if (at <= 0 || policies.length === 0)
      throw new Error(`--group-policy-map entry "${entry}" is not GROUP=POLICY`);
    map[group.toLowerCase()] = [...(map[group.toLowerCase()] ?? []), ...policies];
  }
  return map;
}
