import { join } from "node:path";
import { firstAccountId } from "../auth/account.ts";

/**
 * Where IAM entities live under `<root>/.s3dir/iam/`. The first account's users and policies are
 * where they always were (`iam/users`, `iam/policies`); another account's in
 * `iam/account-data/<account id>/`. The key index `iam/keys/<id>` is shared by all accounts: it
 * names the owner as `user` (first account) or `<account id>/user`.
 */
export interface IamPaths {
  system: string;
  /** The account these paths belong to (12 digits). */
  account: string;
  users: string;
  policies: string;
  keys: string;
  groups: string;
  roles: string;
  user(name: string): string;
  group(name: string): string;
  role(name: string): string;
  policy(name: string): string;
  key(accessKeyId: string): string;
  /** What the key index holds for a key of this account's user. */
  keyOwnerText(userName: string): string;
}

export function iamPaths(root: string, account: string = firstAccountId): IamPaths {
  const system = join(root, ".s3dir");
  const iam = join(system, "iam");
  const home = account === firstAccountId ? iam : join(iam, "account-data", account);
  const users = join(home, "users");
  const policies = join(home, "policies");
  const keys = join(iam, "keys");
  const groups = join(home, "groups");
  const roles = join(home, "roles");
  return {
    system,
    account,
    users,
    policies,
    keys,
    groups,
    roles,
    user: (name) => join(users, `${name}.json`),
    group: (name) => join(groups, `${name}.json`),
    role: (name) => join(roles, `${name}.json`),
    policy: (name) => join(policies, `${name}.json`),
    key: (id) => join(keys, id),
    keyOwnerText: (name) => (account === firstAccountId ? name : `${account}/${name}`),
  };
}

/** Reads a key index entry's text: the owning account and user. */
export function parseKeyOwner(text: string): { account: string; user: string } {
  const slash = text.indexOf("/");
  return slash < 0
    ? { account: firstAccountId, user: text }
    : { account: text.slice(0, slash), user: text.slice(slash + 1) };
}
