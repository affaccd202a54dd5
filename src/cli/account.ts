import { createAccount, listAccounts, removeAccount } from "../iam/account-admin.ts";
import { loadSecretsKey } from "../iam/secrets-key.ts";
import { createPosixStore } from "../storage/index.ts";
import { adminContext, adminOptions, subcommand } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";

const usage = {
  create: "s3dir account create NAME",
  list: "s3dir account list",
  remove: "s3dir account remove NAME",
};

/**
 * `s3dir account create|list|remove`: accounts (tenants). Each has its own root credential (shown
 * once, at creation), users, keys, policies and buckets; the first account ("root") is the one
 * the install's root credential belongs to.
 */
async function runAccount(line: CommandLine): Promise<void> {
  const [sub, [name]] = subcommand(line.positionals, usage);
  const ctx = await adminContext(line);
  switch (sub) {
    case "create": {
      const account = await createAccount(ctx.root, await loadSecretsKey(ctx.root, process.env), name!);
      return ctx.print(
        account,
        `created account ${account.displayName} (id ${account.accountId}, canonical id ${account.canonicalId})\n` +
          "its root credential (the secret is shown only now):\n" +
          `  AWS_ACCESS_KEY_ID=${account.accessKeyId}\n  AWS_SECRET_ACCESS_KEY=${account.secretAccessKey}`,
      );
    }
    case "list": {
      const accounts = await listAccounts(ctx.root);
      return ctx.print(
        accounts,
        accounts.map((a) => `${a.accountId}\t${a.displayName}\t${a.canonicalId}\t${a.created}`).join("\n"),
      );
    }
    default: {
      const store = await createPosixStore({ root: ctx.root, fsync: true, cleanStaleTemps: false });
      try {
        await removeAccount(ctx.root, name!, async (accountId) => {
          const owned: string[] = [];
          for (const bucket of await store.listBuckets()) {
            const owner = (await store.getBucketSetting(bucket.name, "owner").catch(() => undefined))?.trim();
            if (owner === accountId) owned.push(bucket.name);
          }
          return owned;
        });
      } finally {
        await store.close();
      }
      return ctx.print({ removed: name }, `removed account ${name}`);
    }
  }
}

export const accountCommand: CommandSpec = {
  name: "account",
  summary: "accounts (tenants), each with its own root credential, users and buckets: create, list, remove",
  usage,
  options: adminOptions(),
  run: runAccount,
};
