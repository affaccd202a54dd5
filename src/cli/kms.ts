import { accountId } from "../auth/account.ts";
import { ensureSystemDir } from "../iam/system-dir.ts";
import {
  createKmsKey,
  createSseKeyring,
  findKmsKey,
  isAliasName,
  KmsAliasTaken,
  type KmsKeyRecord,
  listKmsKeys,
  rotateKmsKey,
  setKmsKeyEnabled,
} from "../storage/index.ts";
import { adminContext, adminOptions, subcommand } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";
import { UsageError } from "./usage-error.ts";

const keyUsage = {
  create: "s3dir kms key create [NAME] [--description D] [--region R]",
  list: "s3dir kms key list [--json]",
  rotate: "s3dir kms key rotate KEY",
  disable: "s3dir kms key disable KEY",
  enable: "s3dir kms key enable KEY",
};

const usage = Object.fromEntries(Object.entries(keyUsage).map(([sub, text]) => [`key ${sub}`, text]));

function summary(key: KmsKeyRecord, aliases: string[] = []) {
  return {
    KeyId: key.id,
    Arn: key.arn,
    Aliases: aliases,
    Description: key.description,
    Enabled: key.enabled,
    KeyVersion: key.versions[0]?.v ?? 0,
    CreationDate: key.created,
  };
}

/**
 * `s3dir kms key create|list|rotate|disable|enable`: the named keys SSE-KMS requests use
 * (`<root>/.s3dir/kms/`), their material wrapped by the SSE master key. KEY is a key id, its
 * ARN, `alias/NAME` or NAME.
 */
async function runKms(line: CommandLine): Promise<void> {
  const [group, ...rest] = line.positionals;
  if (group !== "key") subcommand([], usage);
  const [sub, [arg]] = subcommand(rest, keyUsage);
  const ctx = await adminContext(line);
  await ensureSystemDir(ctx.root);
  const master = createSseKeyring(ctx.root);
  if (sub === "create") {
    const alias = arg === undefined ? undefined : arg.startsWith("alias/") ? arg : `alias/${arg}`;
    if (alias !== undefined && (!isAliasName(alias) || alias.startsWith("alias/aws/"))) {
      throw new UsageError("NAME is letters, digits, '/', '_' and '-', and may not start with aws/");
    }
    const region = ctx.options.region ?? process.env.AWS_REGION ?? "us-east-1";
    if (!/^[a-z0-9-]+$/.test(region))
      throw new UsageError("--region is lower-case letters, digits and hyphens");
    try {
      const key = await createKmsKey(ctx.root, master, {
        home: { region, account: accountId },
        ...(ctx.options.description !== undefined ? { description: ctx.options.description } : {}),
        ...(alias ? { alias } : {}),
      });
      return ctx.print(
        summary(key, alias ? [alias] : []),
        `${key.id}\t${key.arn}${alias ? `\t${alias}` : ""}`,
      );
    } catch (e) {
      if (e instanceof KmsAliasTaken) throw new UsageError(`${alias} already names key ${e.message}`);
      throw e;
    }
  }
  if (sub === "list") {
    const keys = await listKmsKeys(ctx.root);
    const rows = keys.map((k) => summary(k, k.aliases));
    return ctx.print(
      rows,
      rows
        .map(
          (r) =>
            `${r.KeyId}\t${r.Enabled ? "enabled" : "disabled"}\tv${r.KeyVersion}\t${r.Aliases.join(",") || "-"}\t${r.Arn}\t${r.Description}`,
        )
        .join("\n"),
    );
  }
  const key = await findKmsKey(ctx.root, arg!);
  if (!key) throw new UsageError(`no KMS key ${arg}`);
  if (sub === "rotate") {
    const rotated = await rotateKmsKey(ctx.root, master, key);
    return ctx.print(
      summary(rotated),
      `${rotated.id}: key material version ${rotated.versions[0]!.v} is current`,
    );
  }
  const changed = await setKmsKeyEnabled(ctx.root, key, sub === "enable");
  return ctx.print(summary(changed), `${changed.id}: ${changed.enabled ? "enabled" : "disabled"}`);
}

export const kmsCommand: CommandSpec = {
  name: "kms",
  summary:
    "SSE-KMS keys: key create (prints the key id and ARN), list, rotate (new material), disable, enable",
  usage,
  options: adminOptions(
    { name: "description", kind: "value", value: "TEXT", description: "key create: the key's description" },
    {
      name: "region",
      kind: "value",
      value: "REGION",
      description:
        "key create: the region of the key's ARN, the server's --region (else env AWS_REGION, else us-east-1)",
    },
  ),
  run: runKms,
};
