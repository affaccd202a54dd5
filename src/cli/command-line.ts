import { parseArgs } from "node:util";
import type { OptionSpec } from "./option-spec.ts";
import { UsageError } from "./usage-error.ts";

export interface CommandLine {
  /** Each option given, by name; a flag given bare is "true". A repeated option keeps the last. */
  values: Record<string, string>;
  positionals: string[];
  /** `--help` or `-h` was given: the caller shows its usage and does nothing else. */
  help: boolean;
}

/**
 * Reads argv against a command's options with Node's `util.parseArgs`. Unknown options, options
 * without their value and values that look like options are UsageErrors; when `--help`/`-h` is
 * present, errors are not raised so that the usage can be shown.
 */
export function parseCommandLine(argv: readonly string[], specs: readonly OptionSpec[]): CommandLine {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const spec of specs) options[spec.name] = { type: spec.kind === "flag" ? "boolean" : "string" };
  // Not strict: the tokens are checked below, so that a flag may carry an inline value and the
  // messages name the command's own options.
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, string> = {};
  const positionals: string[] = [];
  const errors: string[] = [];
  let help = false;
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    if (token.kind !== "option") continue;
    if (token.name === "help") {
      help = true;
      continue;
    }
    const spec = byName.get(token.name);
    if (!spec || token.rawName !== `--${token.name}`) {
      errors.push(`unknown option ${token.rawName}`);
    } else if (spec.kind === "flag") {
      values[spec.name] = token.value ?? "true";
    } else if (token.value === undefined) {
      errors.push(`--${spec.name} needs a value`);
    } else if (!token.inlineValue && token.value.length > 1 && token.value.startsWith("-")) {
      errors.push(
        `--${spec.name} needs a value, not '${token.value}' (for a value that starts with '-', write --${spec.name}=${token.value})`,
      );
    } else {
      values[spec.name] = token.value;
    }
  }
  if (!help && errors.length > 0) throw new UsageError(errors[0]!);
  return { values, positionals, help };
}
