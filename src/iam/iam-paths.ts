import { join } from "node:path";

/** Where IAM entities live under `<root>/.s3dir/iam/`. */
export interface IamPaths {
  system: string;
  users: string;
  policies: string;
  keys: string;
  user(name: string): string;
  policy(name: string): string;
  key(accessKeyId: string): string;
}

export function iamPaths(root: string): IamPaths {
  const system = join(root, ".s3dir");
  const iam = join(system, "iam");
  const users = join(iam, "users");
  const policies = join(iam, "policies");
  const keys = join(iam, "keys");
  return {
    system,
    users,
    policies,
    keys,
    user: (name) => join(users, `${name}.json`),
    policy: (name) => join(policies, `${name}.json`),
    key: (id) => join(keys, id),
  };
}
