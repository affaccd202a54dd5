import type { CommandLine } from "./command-line.ts";
import type { OptionSpec } from "./option-spec.ts";

/** One `s3dir` command: what `--help` says about it, the options it takes, and what it does. */
export interface CommandSpec {
  name: string;
  /** One line for the list of commands. */
  summary: string;
  /** Usage lines by sub-command ("add", "host add"); a command without sub-commands has one, under "". */
  usage: Readonly<Record<string, string>>;
  /** Every option the command takes. */
  options: readonly OptionSpec[];
  /** Said after the options in `--help`. */
  notes?: string;
  /** Runs the command; argv is the command line as given, after the command's name. */
  run(line: CommandLine, argv: readonly string[]): Promise<void>;
}
