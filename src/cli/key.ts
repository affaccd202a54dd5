import { createKey, listKeys, removeKey, setKeyStatus } from "../iam/key-admin.ts";
import { loadSecretsKey } from "../iam/secrets-key.ts";
import { adminContext, adminOptions, subcommand } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";

const usage = {
  create: "s3dir key create USER",
  list: "s3dir key list [USER]",
  disable: "s3dir key disable ACCESS_KEY_ID",
  enable: "s3dir key enable ACCESS_KEY_ID",
  remove: "s3dir key remove ACCESS_KEY_ID",
};

/** `s3dir key create|list|disable|enable|remove`. */
async function runKey(line: CommandLine): Promise<void> {
  const [sub, [arg]] = subcommand(line.positionals, usage);
  const ctx = await adminContext(line);
  switch (sub) {
    case "create": {
      const key = await createKey(ctx.paths, await loadSecretsKey(ctx.root, process.env), arg!);
      return ctx.print(
        { user: arg, ...key },
        `created an access key for ${arg} (the secret is shown only now):\n` +
          `  AWS_ACCESS_KEY_ID=${key.accessKeyId}\n  AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}`,
      );
    }
    case "list": {
      const keys = await listKeys(ctx.paths, arg);
      return ctx.print(
        keys,
        keys.map((k) => `${k.accessKeyId}\t${k.user}\t${k.status}\t${k.created}`).join("\n"),
      );
    }
    case "disable":
    case "enable": {
      const status = sub === "enable" ? "Active" : "Inactive";
      await setKeyStatus(ctx.paths, arg!, status);
      return ctx.print({ accessKeyId: arg, status }, `${arg}: ${status}`);
    }
    default: {
      await removeKey(ctx.paths, arg!);
      return ctx.print({ removed: arg }, `removed access key ${arg}`);
    }
  }
}

export const keyCommand: CommandSpec = {
  name: "key",
  summary: "access keys of users: create (the secret is shown once), list, disable, enable, remove",
  usage,
  options: adminOptions(),
  run: runKey,
};
