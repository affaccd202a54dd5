import { readFile } from "node:fs/promises";
import { PolicyError, parsePolicy } from "../auth/policy/index.ts";
import { issueSession } from "../auth/session-issue.ts";
import { firstActiveKeyId } from "../iam/key-secret.ts";
import { readRootCredential } from "../iam/root-credential.ts";
import { loadTokenKeys, rotateTokenKeys } from "../iam/token-keys.ts";
import { rootUserName } from "../iam/user-files.ts";
import { adminContext, adminOptions, subcommand } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";
import { parseDuration } from "./duration.ts";
import { UsageError } from "./usage-error.ts";

const usage = {
  "assume-role":
    "s3dir sts assume-role USER [--duration 1h] [--policy FILE|-] [--role-arn ARN] [--session-name NAME]",
  "rotate-key": "s3dir sts rotate-key",
};

const maxSeconds = 43_200;

async function readPolicy(source: string): Promise<string> {
  const text =
    source === "-" ? await new Response(Bun.stdin.stream()).text() : await readFile(source, "utf8");
  try {
    parsePolicy(text, "session");
  } catch (e) {
    if (e instanceof PolicyError) throw new Error(`malformed session policy: ${e.message}`);
    throw e;
  }
  return text;
}

/**
 * `s3dir sts assume-role USER`: temporary credentials for a user, minted on the shared root (no
 * server needed), tied to the user's first active key. Any duration from 1s to 12h: the API's
 * 900 s floor binds remote callers, not the operator. `--json` prints the credential_process format.
 * `s3dir sts rotate-key`: a new token key; every session issued so far stops working.
 */
async function runSts(line: CommandLine): Promise<void> {
  const [sub, [user]] = subcommand(line.positionals, usage);
  const ctx = await adminContext(line);
  const flags = ctx.options;
  if (sub === "rotate-key") {
    const id = await rotateTokenKeys(ctx.root);
    return ctx.print({ tokenKeyId: id }, `new token key ${id}: every earlier session token is revoked`);
  }
  const duration = parseDuration(flags.duration ?? "1h", "s");
  if (duration === undefined || duration < 1000 || duration > maxSeconds * 1000) {
    throw new UsageError("--duration is 1s … 12h (e.g. 900, 15m, 1h)");
  }
  const parentAccessKeyId =
    user === rootUserName
      ? (await readRootCredential(ctx.root, process.env)).accessKeyId
      : await firstActiveKeyId(ctx.paths, user!);
  const sessionName = flags["session-name"] ?? `${user}-cli`;
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName))
    throw new UsageError("--session-name is 2-64 of letters, digits and +=,.@_-");
  const issued = await issueSession(
    {
      parentUser: user!,
      parentAccessKeyId,
      roleArn: flags["role-arn"] ?? `arn:aws:iam::000000000000:role/${user}`,
      sessionName,
      policy: flags.policy === undefined ? undefined : await readPolicy(flags.policy),
      durationSeconds: Math.floor(duration / 1000),
    },
    (await loadTokenKeys(ctx.root)).current,
  );
  const expiration = issued.expiration.toISOString();
  ctx.print(
    {
      Version: 1,
      AccessKeyId: issued.accessKeyId,
      SecretAccessKey: issued.secretAccessKey,
      SessionToken: issued.sessionToken,
      Expiration: expiration,
    },
    `temporary credentials for ${user}, valid until ${expiration}:\n` +
      `  AWS_ACCESS_KEY_ID=${issued.accessKeyId}\n  AWS_SECRET_ACCESS_KEY=${issued.secretAccessKey}\n` +
      `  AWS_SESSION_TOKEN=${issued.sessionToken}`,
  );
}

export const stsCommand: CommandSpec = {
  name: "sts",
  summary: "temporary credentials: assume-role mints a session for a user; rotate-key revokes every session",
  usage,
  options: adminOptions(
    {
      name: "duration",
      kind: "value",
      value: "DURATION",
      default: "1h",
      description: "how long the session lasts (1s … 12h)",
    },
    {
      name: "policy",
      kind: "value",
      value: "FILE|-",
      description: "a session policy that narrows the user's rights",
    },
    { name: "role-arn", kind: "value", value: "ARN", description: "the role ARN the session reports" },
    {
      name: "session-name",
      kind: "value",
      value: "NAME",
      description: "the session's name (default USER-cli)",
    },
  ),
  notes: "With --json, assume-role prints the credential_process format.",
  run: runSts,
};
