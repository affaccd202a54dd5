import { Client, type Entry, InvalidCredentialsError } from "ldapts";
import type { LdapSettings } from "./ldap-config.ts";

/** Who an LDAP user is once its password checked out. */
export interface LdapIdentity {
  username: string;
  dn: string;
  /** The DNs of the groups it belongs to, and their cn. */
  groups: { dn: string; cn: string[] }[];
  /** The values of the policy attribute, when one is configured. */
  attributePolicies: string[];
}

/** Why a login failed: "denied" (unknown user, bad password) or "unavailable" (the directory). */
export class LdapLoginError extends Error {
  constructor(
    readonly reason: "denied" | "unavailable",
    message: string,
  ) {
    super(message);
  }
}

const timeoutMs = 10_000;

/** RFC 4515: a value inside a filter escapes `\ * ( )` and NUL as `\XX`. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

function values(entry: Entry, attribute: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  const value = key === undefined ? undefined : entry[key];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((x) => (typeof x === "string" ? x : x.toString("utf8")));
}

async function connect(settings: LdapSettings): Promise<Client> {
  const client = new Client({ url: settings.url, timeout: timeoutMs, connectTimeout: timeoutMs });
  if (settings.startTls) await client.startTLS({ servername: new URL(settings.url).hostname });
  return client;
}

/**
 * Checks a user's password as MinIO does: find the user's DN with the service bind, bind as that
 * DN with the password, then search its groups with the service bind. An empty password is refused
 * before anything is sent: LDAP takes it as an unauthenticated bind, which succeeds.
 */
export async function ldapLogin(
  settings: LdapSettings,
  username: string,
  password: string,
): Promise<LdapIdentity> {
  if (!username || !password) throw new LdapLoginError("denied", "empty user name or password");
  const service = await connect(settings).catch((e) => {
    throw new LdapLoginError("unavailable", `cannot reach the LDAP server: ${String(e)}`);
  });
  try {
    await service.bind(settings.bindDn, settings.bindPassword).catch((e) => {
      throw new LdapLoginError("unavailable", `the service bind failed: ${String(e)}`);
    });
    const filter = settings.userFilter.replaceAll("%s", escapeFilterValue(username));
    const attributes = ["dn", ...(settings.policyAttribute ? [settings.policyAttribute] : [])];
    const { searchEntries: users } = await service
      .search(settings.userSearchBase, { scope: "sub", filter, attributes, sizeLimit: 2 })
      .catch((e) => {
        throw new LdapLoginError("unavailable", `the user search failed: ${String(e)}`);
      });
    if (users.length !== 1) throw new LdapLoginError("denied", `${users.length} entries match the user`);
    const user = users[0]!;
    await bindAs(settings, user.dn, password);
    const groups =
      settings.groupSearchBase && settings.groupFilter
        ? await groupsOf(service, settings, user.dn, username)
        : [];
    return {
      username,
      dn: user.dn,
      groups,
      attributePolicies: settings.policyAttribute ? values(user, settings.policyAttribute) : [],
    };
  } finally {
    await service.unbind().catch(() => {});
  }
}

async function bindAs(settings: LdapSettings, dn: string, password: string): Promise<void> {
  const client = await connect(settings).catch((e) => {
    throw new LdapLoginError("unavailable", `cannot reach the LDAP server: ${String(e)}`);
  });
  try {
    await client.bind(dn, password);
  } catch (e) {
    if (e instanceof InvalidCredentialsError) throw new LdapLoginError("denied", "invalid credentials");
    throw new LdapLoginError("unavailable", `the user bind failed: ${String(e)}`);
  } finally {
    await client.unbind().catch(() => {});
  }
}

async function groupsOf(service: Client, settings: LdapSettings, dn: string, username: string) {
  const filter = settings
    .groupFilter!.replaceAll("%d", escapeFilterValue(dn))
    .replaceAll("%s", escapeFilterValue(username));
  const { searchEntries } = await service
    .search(settings.groupSearchBase!, { scope: "sub", filter, attributes: ["dn", "cn"] })
    .catch((e) => {
      throw new LdapLoginError("unavailable", `the group search failed: ${String(e)}`);
    });
  return searchEntries.map((g) => ({ dn: g.dn, cn: values(g, "cn") }));
}
