import type { CommandSpec } from "./command-spec.ts";
import { type OptionSpec, optionEnvName, optionSynopsis } from "./option-spec.ts";

/** One line per option: synopsis, description, default and (with `withEnv`) its environment variable. */
export function renderOptions(specs: readonly OptionSpec[], withEnv: boolean): string {
  const width = Math.max(...specs.map((spec) => optionSynopsis(spec).length)) + 2;
  return specs
    .map((spec) => {
      const extra = [
        spec.default !== undefined && spec.default !== "" ? `default ${spec.default}` : "",
        withEnv ? `env ${optionEnvName(spec.name)}` : "",
      ].filter(Boolean);
      const tail = extra.length ? ` [${extra.join("; ")}]` : "";
      return `  ${optionSynopsis(spec).padEnd(width)}${spec.description}${tail}`;
    })
    .join("\n");
}

/** The options a usage line names, e.g. ["hosts", "scheme"] for `create --hosts H [--scheme S]`. */
export function optionsNamedIn(usageLine: string): string[] {
  return [...usageLine.matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => m[1]!);
}

/** The sub-command that the leading positionals name ("host add" before "host"), if any. */
function namedSubcommand(command: CommandSpec, positionals: readonly string[]): string | undefined {
  const given = positionals.join(" ");
  return Object.keys(command.usage)
    .filter((name) => name !== "")
    .sort((a, b) => b.length - a.length)
    .find((name) => given === name || given.startsWith(`${name} `));
}

/**
 * `s3dir COMMAND [SUB] --help`: the usage of the sub-command named by the positionals (and the
 * options its usage line mentions, with the shared ones), or of the whole command.
 */
export function commandHelp(command: CommandSpec, positionals: readonly string[], withEnv = false): string {
  const sub = namedSubcommand(command, positionals);
  const lines = sub === undefined ? Object.values(command.usage) : [command.usage[sub]!];
  const mentioned = (spec: OptionSpec) => lines.some((line) => optionsNamedIn(line).includes(spec.name));
  const options =
    sub === undefined ? command.options : command.options.filter((spec) => mentioned(spec) || spec.shared);
  return [
    `usage: ${lines.join("\n       ")}`,
    "",
    command.summary,
    ...(options.length ? ["", "options:", renderOptions(options, withEnv)] : []),
    ...(command.notes ? ["", command.notes] : []),
    "",
  ].join("\n");
}
