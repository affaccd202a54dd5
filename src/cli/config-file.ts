import type { OptionSpec } from "./option-spec.ts";
import { UsageError } from "./usage-error.ts";

/**
 * Reads a `--config` file: one `name = value` line per option, `name` being the long option name
 * without `--`; the value is the rest of the line, trimmed, with no quoting. Blank lines and lines
 * starting with `#` are ignored. An unknown name, a line without `=` or a name given twice is an error.
 */
export function parseConfigFile(
  text: string,
  file: string,
  specs: readonly OptionSpec[],
): Record<string, string> {
  const known = new Set(specs.map((spec) => spec.name));
  known.delete("config");
  const values: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const where = `${file}:${i + 1}`;
    const eq = line.indexOf("=");
    if (eq < 0) throw new UsageError(`${where}: expected 'name = value'`);
    const name = line.slice(0, eq).trim();
    if (!known.has(name)) throw new UsageError(`${where}: unknown option '${name}'`);
    if (name in values) throw new UsageError(`${where}: '${name}' is set twice`);
    values[name] = line.slice(eq + 1).trim();
  }
  return values;
}
