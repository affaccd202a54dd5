import { mkdir, realpath } from "node:fs/promises";
import * as v from "valibot";
import { type IamPaths, iamPaths } from "../iam/iam-paths.ts";
import { parseArgs } from "./args.ts";

const adminFlagsSchema = v.object({
  root: v.optional(v.pipe(v.string(), v.minLength(1))),
  json: v.optional(v.literal("true")),
  role: v.optional(v.picklist(["admin", "s3"], "--role is admin or s3")),
});

export interface AdminContext {
  root: string;
  paths: IamPaths;
  json: boolean;
  positionals: string[];
  flags: v.InferOutput<typeof adminFlagsSchema>;
  /** Every flag as given, including the command's own (`allowed`). */
  options: Record<string, string>;
  /** Prints a result: JSON with --json, else the text. */
  print(value: unknown, text: string): void;
}

/** Parses the shared options of admin commands: `--root DIR` (else env S3DIR_ROOT, else ./data), `--json`. */
export async function adminContext(argv: string[], allowed: readonly string[] = []): Promise<AdminContext> {
  const { positionals, flags } = parseArgs(argv, ["json"]);
  for (const name of Object.keys(flags)) {
    if (name !== "root" && name !== "json" && !allowed.includes(name))
      throw new Error(`unknown option --${name}`);
  }
  const result = v.safeParse(adminFlagsSchema, flags);
  if (!result.success) throw new Error(result.issues[0].message);
  const dir = result.output.root ?? (process.env.S3DIR_ROOT || "./data");
  await mkdir(dir, { recursive: true });
  const root = await realpath(dir);
  const json = result.output.json === "true";
  return {
    root,
    paths: iamPaths(root),
    json,
    positionals,
    flags: result.output,
    options: flags,
    print: (value, text) =>
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text ? `${text}\n` : ""),
  };
}

/** The sub-command and its positionals, checked against the expected count. */
export function subcommand(ctx: AdminContext, usage: Record<string, string>): [string, string[]] {
  const [sub, ...args] = ctx.positionals;
  const spec = sub ? usage[sub] : undefined;
  if (!sub || spec === undefined)
    throw new Error(
      `usage:\n${Object.values(usage)
        .map((u) => `  ${u}`)
        .join("\n")}`,
    );
  const required = (spec.match(/ [A-Z_]+(?=\s|$)/g) ?? []).length;
  const optional = (spec.match(/\[[A-Z_]+\]/g) ?? []).length;
  if (args.length < required || args.length > required + optional) throw new Error(`usage: ${spec}`);
  return [sub, args];
}
