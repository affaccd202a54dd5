import { addUser, listUsers, removeUser, showUser } from "../iam/user-admin.ts";
import { adminContext, adminOptions, subcommand } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";

const usage = {
  add: "s3dir user add NAME [--role admin|s3]",
  list: "s3dir user list",
  show: "s3dir user show NAME",
  remove: "s3dir user remove NAME",
};

/** `s3dir user add|list|show|remove`. */
async function runUser(line: CommandLine): Promise<void> {
  const [sub, [name]] = subcommand(line.positionals, usage);
  const ctx = await adminContext(line);
  switch (sub) {
    case "add": {
      const user = await addUser(ctx.paths, name!, ctx.flags.role ?? "s3");
      return ctx.print(summary(user), `created user ${user.name} (role ${user.role})`);
    }
    case "list": {
      const users = (await listUsers(ctx.paths)).map(summary);
      return ctx.print(users, users.map((u) => `${u.name}\t${u.role}\t${u.policies.join(",")}`).join("\n"));
    }
    case "show": {
      const user = summary(await showUser(ctx.paths, name!));
      return ctx.print(
        user,
        [
          `name: ${user.name}`,
          `role: ${user.role}`,
          `policies: ${user.policies.join(", ")}`,
          `inline policies: ${user.inlinePolicies.join(", ")}`,
          `access keys: ${user.accessKeys.map((k) => `${k.accessKeyId} (${k.status})`).join(", ")}`,
          `created: ${user.created}`,
        ].join("\n"),
      );
    }
    default: {
      await removeUser(ctx.paths, name!);
      return ctx.print({ removed: name }, `removed user ${name}`);
    }
  }
}

export const userCommand: CommandSpec = {
  name: "user",
  summary: "users of the root: add, list, show, remove",
  usage,
  options: adminOptions({
    name: "role",
    kind: "value",
    value: "admin|s3",
    default: "s3",
    description: "admin may do everything; s3 what its policies allow",
  }),
  run: runUser,
};

/** What the CLI shows of a user: never the encrypted secrets. */
function summary(user: Awaited<ReturnType<typeof showUser>>) {
  return {
    name: user.name,
    role: user.role,
    policies: user.policies,
    inlinePolicies: Object.keys(user.inlinePolicies),
    accessKeys: user.accessKeys.map(({ accessKeyId, status, created }) => ({ accessKeyId, status, created })),
    created: user.created,
    version: user.version,
  };
}
