/**
 * How one command-line option is described, once: the parser, the `--help` text and
 * docs/options.md are all made from these records.
 */
export interface OptionSpec {
  /** The long name, without the leading `--`. */
  name: string;
  /**
   * "value" takes a value (`--port 9000` or `--port=9000`); "flag" stands alone (`--json`) and
   * is then "true", or takes an inline value (`--require-encrypted-root=off`).
   */
  kind: "value" | "flag";
  /** The value's placeholder in the usage text, e.g. "DIR" or "on|off". */
  value?: string;
  /** The value used when no source gives one. */
  default?: string;
  description: string;
  /** Taken by every sub-command of its command (e.g. the admin commands' --root). */
  shared?: boolean;
}

/** `--name VALUE` as shown in usage text. */
export function optionSynopsis(spec: OptionSpec): string {
  return spec.kind === "flag" || !spec.value ? `--${spec.name}` : `--${spec.name} ${spec.value}`;
}

/** The environment variable that sets a `serve` option: `--min-free` → S3DIR_MIN_FREE. */
export function optionEnvName(name: string): string {
  return `S3DIR_${name.toUpperCase().replaceAll("-", "_")}`;
}
