import {
  addUserToGroup,
  createGroup,
  groupMembers,
  groupStore,
  listGroups,
  removeGroup,
  removeUserFromGroup,
  requireGroup,
} from "../iam/group-admin.ts";
import { attachHolderPolicy, detachHolderPolicy } from "../iam/policy-holder.ts";
import { adminContext, adminOptions, subcommand } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";

const usage = {
  create: "s3dir group create NAME",
  list: "s3dir group list",
  show: "s3dir group show NAME",
  remove: "s3dir group remove NAME",
  "add-user": "s3dir group add-user NAME USER",
  "remove-user": "s3dir group remove-user NAME USER",
  "attach-policy": "s3dir group attach-policy NAME POLICY",
  "detach-policy": "s3dir group detach-policy NAME POLICY",
};

/** `s3dir group create|list|show|remove|add-user|remove-user|attach-policy|detach-policy`. */
async function runGroup(line: CommandLine): Promise<void> {
  const [sub, [name, other]] = subcommand(line.positionals, usage);
  const ctx = await adminContext(line);
  switch (sub) {
    case "create": {
      const group = await createGroup(ctx.paths, name!);
      return ctx.print({ name: group.name, created: group.created }, `created group ${group.name}`);
    }
    case "list": {
      const groups = await listGroups(ctx.paths);
      return ctx.print(
        groups.map((g) => ({ name: g.name, policies: g.policies })),
        groups.map((g) => `${g.name}\t${g.policies.join(",")}`).join("\n"),
      );
    }
    case "show": {
      const group = await requireGroup(ctx.paths, name!);
      const users = (await groupMembers(ctx.paths, name!)).map((u) => u.name);
      const shown = {
        name: group.name,
        users,
        policies: group.policies,
        inlinePolicies: Object.keys(group.inlinePolicies),
        created: group.created,
      };
      return ctx.print(
        shown,
        [
          `name: ${group.name}`,
          `users: ${users.join(", ")}`,
          `policies: ${group.policies.join(", ")}`,
          `inline policies: ${shown.inlinePolicies.join(", ")}`,
          `created: ${group.created}`,
        ].join("\n"),
      );
    }
    case "remove":
      await removeGroup(ctx.paths, name!);
      return ctx.print({ removed: name }, `removed group ${name}`);
    case "add-user":
      await addUserToGroup(ctx.paths, name!, other!);
      return ctx.print({ group: name, added: other }, `added ${other} to group ${name}`);
    case "remove-user":
      await removeUserFromGroup(ctx.paths, name!, other!);
      return ctx.print({ group: name, removed: other }, `removed ${other} from group ${name}`);
    case "attach-policy":
      await requireGroup(ctx.paths, name!);
      await attachHolderPolicy(ctx.paths, groupStore(ctx.paths), name!, other!);
      return ctx.print({ group: name, attached: other }, `attached ${other} to group ${name}`);
    default:
      await requireGroup(ctx.paths, name!);
      await detachHolderPolicy(groupStore(ctx.paths), name!, other!);
      return ctx.print({ group: name, detached: other }, `detached ${other} from group ${name}`);
  }
}

export const groupCommand: CommandSpec = {
  name: "group",
  summary: "IAM groups: create, list, show, remove, add and remove users, attach and detach policies",
  usage,
  options: adminOptions(),
  notes: "A user's rights are the union of its own policies and its groups' (docs/security.md).",
  run: runGroup,
};
