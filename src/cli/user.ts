import { addUser, listUsers, removeUser, setUserEnabled, setUserPosix, showUser } from "../iam/user-admin.ts";
import { adminContext, adminOptions, subcommand } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";
import { posixOwnerFromOptions, posixOwnerOptionSpecs } from "./posix-owner-options.ts";
import { UsageError } from "./usage-error.ts";

const usage = {
  add: "s3dir user add NAME [--role admin|s3] [--posix-uid UID] [--posix-gid GID]",
  update: "s3dir user update NAME [--posix-uid UID] [--posix-gid GID] [--no-posix]",
  list: "s3dir user list",
  show: "s3dir user show NAME",
  disable: "s3dir user disable NAME",
  enable: "s3dir user enable NAME",
  remove: "s3dir user remove NAME",
};

/** `s3dir user add|update|list|show|disable|enable|remove`. */
async function runUser(line: CommandLine): Promise<void> {
  const [sub, [name]] = subcommand(line.positionals, usage);
  const ctx = await adminContext(line);
  switch (sub) {
    case "add": {
      const posix = posixOwnerFromOptions(ctx.options);
      if (posix === null) throw new UsageError("--no-posix is for user update");
      const user = await addUser(ctx.paths, name!, ctx.flags.role ?? "s3", posix);
      return ctx.print(summary(user), `created user ${user.name} (role ${user.role})${posixText(user)}`);
    }
    case "update": {
      const posix = posixOwnerFromOptions(ctx.options);
      if (posix === undefined) throw new UsageError(`usage: ${usage.update}`);
      const user = await setUserPosix(ctx.paths, name!, posix ?? undefined);
      return ctx.print(summary(user), `updated user ${user.name}${posixText(user) || " (no POSIX owner)"}`);
    }
    case "disable":
    case "enable": {
      const user = await setUserEnabled(ctx.paths, name!, sub === "enable");
      return ctx.print(summary(user), `${sub}d user ${user.name}`);
    }
    case "list": {
      const users = (await listUsers(ctx.paths)).map(summary);
      return ctx.print(
        users,
        users.map((u) => `${u.name}\t${u.role}\t${u.status}\t${u.policies.join(",")}`).join("\n"),
      );
    }
    case "show": {
      const user = summary(await showUser(ctx.paths, name!));
      return ctx.print(
        user,
        [
          `name: ${user.name}`,
          `role: ${user.role}`,
          `status: ${user.status}`,
          `policies: ${user.policies.join(", ")}`,
          `inline policies: ${user.inlinePolicies.join(", ")}`,
          `groups: ${user.groups.join(", ")}`,
          `access keys: ${user.accessKeys.map((k) => `${k.accessKeyId} (${k.status})`).join(", ")}`,
          `posix owner: ${user.posix ? `${user.posix.uid}:${user.posix.gid}` : "none (the server's user)"}`,
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
  summary: "users of the root: add, update, list, show, disable, enable, remove",
  usage,
  options: adminOptions(
    {
      name: "role",
      kind: "value",
      value: "admin|s3",
      default: "s3",
      description: "admin may do everything; s3 what its policies allow",
    },
    ...posixOwnerOptionSpecs,
  ),
  run: runUser,
};

/** What the CLI shows of a user: never the encrypted secrets. */
function summary(user: Awaited<ReturnType<typeof showUser>>) {
  return {
    name: user.name,
    role: user.role,
    status: user.disabled ? "disabled" : "enabled",
    policies: user.policies,
    inlinePolicies: Object.keys(user.inlinePolicies),
    groups: user.groups ?? [],
    accessKeys: user.accessKeys.map(({ accessKeyId, status, created }) => ({ accessKeyId, status, created })),
    posix: user.posix,
    created: user.created,
    version: user.version,
  };
}

function posixText(user: { posix?: { uid: number; gid: number } }): string {
  return user.posix ? `, files owned by ${user.posix.uid}:${user.posix.gid}` : "";
}
