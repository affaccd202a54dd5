import { addUser, listUsers, removeUser, showUser } from "../iam/user-admin.ts";
import { adminContext, subcommand } from "./admin-options.ts";

const usage = {
  add: "s3dir user add NAME [--role admin|s3]",
  list: "s3dir user list",
  show: "s3dir user show NAME",
  remove: "s3dir user remove NAME",
};

/** `s3dir user add|list|show|remove`. */
export async function userCommand(argv: string[]): Promise<void> {
  const ctx = await adminContext(argv, ["role"]);
  const [sub, [name]] = subcommand(ctx, usage);
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
