import { readFile } from "node:fs/promises";
import * as v from "valibot";
import {
  type LdapConfig,
  parseGroupPolicyMap,
  readLdapConfig,
  removeLdapConfig,
  saveLdapConfig,
} from "../iam/ldap-config.ts";
import { loadSecretsKey } from "../iam/secrets-key.ts";
import { adminContext, adminOptions, subcommand } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";
import { UsageError } from "./usage-error.ts";

const usage = {
  add: "s3dir ldap add --url=URL --bind-dn=DN --bind-password-file=FILE --user-search-base=DN --user-filter='(uid=%s)' [--group-search-base=DN --group-filter='(member=%d)'] [--policy-attribute=NAME] [--group-policy-map='GROUP=POLICY;…'] [--starttls]",
  show: "s3dir ldap show",
  remove: "s3dir ldap remove",
};

function need(options: Record<string, string>, name: string): string {
  const value = options[name];
  if (!value) throw new UsageError(`ldap add needs --${name}`);
  return value;
}

function shown(config: LdapConfig) {
  const { sealedBindPassword: _, ...rest } = config;
  return rest;
}

/** `s3dir ldap add|show|remove`: the directory that AssumeRoleWithLDAPIdentity logs users in with. */
async function runLdap(line: CommandLine): Promise<void> {
  const [sub] = subcommand(line.positionals, usage);
  const ctx = await adminContext(line);
  const o = ctx.options;
  if (sub === "show") {
    const config = await readLdapConfig(ctx.root);
    if (!config) return ctx.print(null, "LDAP is not configured");
    return ctx.print(shown(config), JSON.stringify(shown(config), null, 2));
  }
  if (sub === "remove") {
    const removed = await removeLdapConfig(ctx.root);
    return ctx.print({ removed }, removed ? "removed the LDAP configuration" : "LDAP was not configured");
  }
  if (Boolean(o["group-search-base"]) !== Boolean(o["group-filter"]))
    throw new UsageError("--group-search-base and --group-filter go together");
  const bindPassword = (await readFile(need(o, "bind-password-file"), "utf8")).replace(/\r?\n$/, "");
  let groupPolicies: Record<string, string[]>;
  try {
    groupPolicies = parseGroupPolicyMap(o["group-policy-map"] ?? "");
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  try {
    const config = await saveLdapConfig(
      ctx.root,
      {
        url: need(o, "url"),
        bindDn: need(o, "bind-dn"),
        bindPassword,
        userSearchBase: need(o, "user-search-base"),
        userFilter: need(o, "user-filter"),
        ...(o["group-search-base"]
          ? { groupSearchBase: o["group-search-base"], groupFilter: o["group-filter"] }
          : {}),
        ...(o["policy-attribute"] ? { policyAttribute: o["policy-attribute"] } : {}),
        groupPolicies,
        startTls: o.starttls === "true",
      },
      await loadSecretsKey(ctx.root, process.env),
    );
    ctx.print(shown(config), `saved the LDAP configuration for ${config.url}`);
  } catch (e) {
    if (e instanceof v.ValiError) throw new UsageError(e.issues[0].message);
    throw e;
  }
}

const value = (name: string, placeholder: string, description: string) =>
  ({ name, kind: "value", value: placeholder, description }) as const;

export const ldapCommand: CommandSpec = {
  name: "ldap",
  summary:
    "the LDAP directory that AssumeRoleWithLDAPIdentity logs users in with: add (or replace), show, remove",
  usage,
  options: adminOptions(
    value("url", "URL", "ldap://HOST:PORT or ldaps://HOST:PORT"),
    value("bind-dn", "DN", "the service account that searches users and groups"),
    value("bind-password-file", "FILE", "a file holding its password (stored sealed with the secrets key)"),
    value("user-search-base", "DN", "where users are searched"),
    value("user-filter", "FILTER", "the user search filter; %s is the user name, e.g. (uid=%s)"),
    value("group-search-base", "DN", "where groups are searched"),
    value(
      "group-filter",
      "FILTER",
      "the group search filter; %d is the user's DN, %s its name, e.g. (member=%d)",
    ),
    value("policy-attribute", "NAME", "a user attribute whose values name policies"),
    value("group-policy-map", "MAP", "GROUP=POLICY;GROUP=POLICY… (GROUP is a group's DN or cn)"),
    { name: "starttls", kind: "flag", description: "upgrade the connection with StartTLS" },
  ),
  run: runLdap,
};
