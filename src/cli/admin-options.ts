import { existsSync } from "node:fs";
import { mkdir, realpath } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";
import { firstAccountId } from "../auth/account.ts";
import { accountIdOf } from "../iam/account-admin.ts";
import { type IamPaths, iamPaths } from "../iam/iam-paths.ts";
import { ensureSystemDirSync, SYSTEM_DIR } from "../runtime/system-dir.ts";
import type { CommandLine } from "./command-line.ts";
import type { OptionSpec } from "./option-spec.ts";
import { UsageError } from "./usage-error.ts";

/** The options every admin command takes. */
export const adminOptionSpecs: readonly OptionSpec[] = [
  {
    name: "root",
    kind: "value",
    value: "DIR",
    default: "./data",
    shared: true,
    description: "the root to work on (else env S3DIR_ROOT)",
  },
  { name: "json", kind: "flag", shared: true, description: "print the result as JSON, for scripts" },
  {
    name: "account",
    kind: "value",
    value: "NAME",
    shared: true,
    description: "the account (tenant) whose users, keys, policies or buckets to work on (else the first)",
  },
];

/** The shared admin options followed by a command's own. */
export function adminOptions(...own: OptionSpec[]): OptionSpec[] {
  return [...adminOptionSpecs, ...own];
}

const adminFlagsSchema = v.object({
  root: v.optional(v.pipe(v.string(), v.minLength(1, "--root must not be empty"))),
  json: v.optional(v.literal("true", "--json takes no value")),
  role: v.optional(v.picklist(["admin", "s3"], "--role is admin or s3")),
  account: v.optional(v.pipe(v.string(), v.minLength(1, "--account must not be empty"))),
});

export interface AdminContext {
  root: string;
  /** The id of the account chosen with --account (else the first account's). */
  account: string;
  /** That account's IAM entities. */
  paths: IamPaths;
  json: boolean;
  positionals: string[];
  flags: v.InferOutput<typeof adminFlagsSchema>;
  /** Every option as given, including the command's own. */
  options: Record<string, string>;
  /** Prints a result: JSON with --json, else the text. */
  print(value: unknown, text: string): void;
}

/** The context of an admin command: `--root DIR` (else env S3DIR_ROOT, else ./data) made real, `--json`. */
export async function adminContext(line: CommandLine): Promise<AdminContext> {
  const result = v.safeParse(adminFlagsSchema, line.values);
  if (!result.success) throw new UsageError(result.issues[0].message);
  const dir = result.output.root ?? (process.env.S3DIR_ROOT || "./data");
  await mkdir(dir, { recursive: true });
  const root = await realpath(dir);
  // The first command on an empty root makes its system directory, and with it the root's
  // format (runtime/system-dir.ts), before a command writes anything below it.
  if (!existsSync(join(root, SYSTEM_DIR))) ensureSystemDirSync(root);
  const json = result.output.json === "true";
  const account = result.output.account ? await accountIdOf(root, result.output.account) : firstAccountId;
  return {
    root,
    account,
    paths: iamPaths(root, account),
    json,
    positionals: line.positionals,
    flags: result.output,
    options: line.values,
    print: (value, text) =>
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text ? `${text}\n` : ""),
  };
}

/** The sub-command and its positionals, checked against the expected count (before anything is done). */
export function subcommand(
  positionals: readonly string[],
  usage: Record<string, string>,
): [string, string[]] {
  const [sub, ...args] = positionals;
  const spec = sub ? usage[sub] : undefined;
  if (!sub || spec === undefined)
    throw new UsageError(
      `usage:\n${Object.values(usage)
        .map((u) => `  ${u}`)
        .join("\n")}`,
    );
  const required = (spec.match(/ [A-Z_]+(?=\s|$)/g) ?? []).length;
  const optional = (spec.match(/\[[A-Z_]+\]/g) ?? []).length;
  if (args.length < required || args.length > required + optional) throw new UsageError(`usage: ${spec}`);
  return [sub, args];
}
