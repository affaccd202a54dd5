import { readFile } from "node:fs/promises";
import { loadSecretsKey } from "../iam/secrets-key.ts";
import {
  createServiceAccount,
  listServiceAccounts,
  removeServiceAccount,
  type ServiceAccount,
  showServiceAccount,
} from "../iam/service-account-admin.ts";
import { adminContext, adminOptions, subcommand } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";

const usage = {
  add: "s3dir service-account add USER [--policy FILE] [--name NAME]",
  list: "s3dir service-account list [USER]",
  show: "s3dir service-account show KEY",
  remove: "s3dir service-account remove KEY",
};

function line(s: ServiceAccount): string {
  return `${s.accessKeyId}\t${s.user}\t${s.name ?? ""}\t${s.status}${s.policy ? "\tnarrowed" : ""}`;
}

/** `s3dir service-account add|list|show|remove`: child keys of a user (docs/security.md). */
async function runServiceAccount(cmd: CommandLine): Promise<void> {
  const [sub, [arg]] = subcommand(cmd.positionals, usage);
  const ctx = await adminContext(cmd);
  switch (sub) {
    case "add": {
      const file = ctx.options.policy;
      const policy =
        file === undefined ? undefined : file === "-" ? await Bun.stdin.text() : await readFile(file, "utf8");
      const secretsKey = await loadSecretsKey(ctx.root, process.env);
      const created = await createServiceAccount(ctx.paths, secretsKey, arg!, {
        name: ctx.options.name,
        policy,
      });
      return ctx.print(
        {
          accessKeyId: created.accessKeyId,
          secretAccessKey: created.secretAccessKey,
          user: created.user,
          name: created.name,
        },
        `service account of ${created.user}\naccess key: ${created.accessKeyId}\nsecret key: ${created.secretAccessKey}`,
      );
    }
    case "list": {
      const accounts = await listServiceAccounts(ctx.paths, arg);
      return ctx.print(
        accounts.map(({ policy, ...rest }) => ({ ...rest, narrowed: policy !== undefined })),
        accounts.map(line).join("\n"),
      );
    }
    case "show": {
      const found = await showServiceAccount(ctx.paths, arg!);
      const policy = found.policy === undefined ? undefined : JSON.parse(found.policy);
      return ctx.print(
        { ...found, policy },
        `${line(found)}${policy ? `\n${JSON.stringify(policy, null, 2)}` : ""}`,
      );
    }
    default:
      await removeServiceAccount(ctx.paths, arg!);
      return ctx.print({ removed: arg }, `removed service account ${arg}`);
  }
}

export const serviceAccountCommand: CommandSpec = {
  name: "service-account",
  summary: "child keys of a user with its rights, optionally narrowed: add, list, show, remove",
  usage,
  options: adminOptions(
    {
      name: "policy",
      kind: "value",
      value: "FILE",
      description: "a policy that narrows the user's rights for this key (- for stdin)",
    },
    { name: "name", kind: "value", value: "NAME", description: "a name for the service account" },
  ),
  notes: "A service account acts as its user and dies with it (docs/security.md).",
  run: runServiceAccount,
};
