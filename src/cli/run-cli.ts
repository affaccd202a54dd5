import { parseCommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";
import { commands } from "./commands.ts";
import { commandHelp } from "./help-text.ts";
import { UsageError } from "./usage-error.ts";
import { version } from "./version.ts";

const topLevelOptions = [{ name: "version", kind: "flag", description: "print the version" }] as const;

function topLevelUsage(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    "usage: s3dir COMMAND [options]",
    "       s3dir COMMAND --help      the command's usage and options",
    "       s3dir --version",
    "",
    "commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary.split("\n")[0]}`),
    `  ${"help".padEnd(width)}s3dir help [COMMAND]: this text, or a command's`,
    `  ${"version".padEnd(width)}the version of s3dir`,
    "",
    "The admin commands work on the shared root directly: --root DIR (else env S3DIR_ROOT, else ./data).",
    "",
  ].join("\n");
}

function find(name: string | undefined): CommandSpec | undefined {
  return commands.find((c) => c.name === name);
}

/** Which command argv names, and runs it; `--help` anywhere shows usage and runs nothing. */
async function dispatch(argv: readonly string[]): Promise<void> {
  const [name, ...rest] = argv;
  const command = find(name);
  if (command) {
    const line = parseCommandLine(rest, command.options);
    if (line.help) {
      process.stdout.write(commandHelp(command, line.positionals, command.name === "serve"));
      return;
    }
    return await command.run(line, rest);
  }
  if (name !== undefined && !name.startsWith("-") && name !== "help" && name !== "version") {
    throw new UsageError(`unknown command '${name}'; 's3dir --help' lists them`);
  }
  const line = parseCommandLine(name === "help" || name === "version" ? rest : argv, topLevelOptions);
  if (name === "help" && !line.help && line.positionals.length > 0) {
    const [topic, ...sub] = line.positionals;
    const named = find(topic);
    if (!named) throw new UsageError(`unknown command '${topic}'; 's3dir --help' lists them`);
    process.stdout.write(commandHelp(named, sub, named.name === "serve"));
    return;
  }
  if (line.positionals.length > 0) throw new UsageError(`unexpected argument '${line.positionals[0]}'`);
  if (line.help || name === "help") {
    process.stdout.write(topLevelUsage());
    return;
  }
  if (name === "version" || line.values.version !== undefined) {
    process.stdout.write(`s3dir ${version}\n`);
    return;
  }
  throw new UsageError(`a command is needed\n${topLevelUsage()}`);
}

/**
 * Runs the command line and gives the exit code the process should end with: 2 for a command line
 * that cannot run, 1 for a command that failed, else what the command set (process.exitCode).
 */
export async function runCli(argv: readonly string[]): Promise<number | undefined> {
  try {
    await dispatch(argv);
    return undefined;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const name = find(argv[0]) ? ` ${argv[0]}` : "";
    process.stderr.write(`s3dir${name}: ${message}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}
