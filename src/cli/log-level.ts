import {
  isLogLevel,
  logLevels,
  readLogLevelSetting,
  writeLogLevelSetting,
} from "../runtime/log-level-setting.ts";
import { adminContext, adminOptions } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";
import { UsageError } from "./usage-error.ts";

const usage = `s3dir log-level [${logLevels.join("|")}|default]`;

/**
 * `s3dir log-level LEVEL`: the level every running host of the root logs at, followed within about
 * a second without a restart; `default` hands each host back to its own --log-level; no argument
 * shows the setting.
 */
async function runLogLevel(line: CommandLine): Promise<void> {
  const ctx = await adminContext(line);
  const [wanted, ...rest] = ctx.positionals;
  if (rest.length > 0) throw new UsageError(`usage: ${usage}`);
  if (wanted === undefined) {
    const setting = await readLogLevelSetting(ctx.root);
    return ctx.print(
      setting ?? { level: null },
      setting ? `log level: ${setting.level} (set ${setting.updated})` : "log level: each host's --log-level",
    );
  }
  if (wanted !== "default" && !isLogLevel(wanted)) throw new UsageError(`usage: ${usage}`);
  await writeLogLevelSetting(ctx.root, wanted === "default" ? undefined : wanted);
  ctx.print(
    { level: wanted === "default" ? null : wanted },
    wanted === "default" ? "log level: each host's --log-level" : `log level: ${wanted}`,
  );
}

export const logLevelCommand: CommandSpec = {
  name: "log-level",
  summary:
    "the level every running host logs at, changed without a restart (default: each host's --log-level)",
  usage: { "": usage },
  options: adminOptions(),
  run: runLogLevel,
};
