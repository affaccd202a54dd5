/**
 * The log level every host of a root follows at run time: `<root>/.s3dir/log-level.json`, written by
 * `s3dir log-level LEVEL` and stat'ed by each host about once a second. Without the file, each host
 * logs at its own `--log-level`.
 */
import { randomBytes } from "node:crypto";
import { readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ensureSystemDirSync, SYSTEM_DIR } from "./system-dir.ts";

export const logLevels = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof logLevels)[number];

export function isLogLevel(text: string): text is LogLevel {
  return (logLevels as readonly string[]).includes(text);
}

/** Whether a record of `level` is written at the threshold `min`; records of unknown levels always are. */
export function logsAt(min: LogLevel, level: unknown): boolean {
  const rank = logLevels.indexOf(level as LogLevel);
  return rank < 0 || rank >= logLevels.indexOf(min);
}

export function logLevelFile(root: string): string {
  return join(root, SYSTEM_DIR, "log-level.json");
}

export interface LogLevelSetting {
  level: LogLevel;
  updated: string;
}

export async function readLogLevelSetting(root: string): Promise<LogLevelSetting | undefined> {
  let text: string;
  try {
    text = await readFile(logLevelFile(root), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const doc = JSON.parse(text) as { level?: unknown; updated?: unknown };
  if (typeof doc.level !== "string" || !isLogLevel(doc.level))
    throw new Error(`${logLevelFile(root)}: level is not one of ${logLevels.join(", ")}`);
  return { level: doc.level, updated: typeof doc.updated === "string" ? doc.updated : "" };
}

/** Publishes the setting atomically; undefined removes it (hosts go back to their --log-level). */
export async function writeLogLevelSetting(root: string, level: LogLevel | undefined): Promise<void> {
  const file = logLevelFile(root);
  if (level === undefined) {
    await unlink(file).catch((e) => {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    });
    return;
  }
  ensureSystemDirSync(root);
  const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const setting: LogLevelSetting = { level, updated: new Date().toISOString() };
  await writeFile(temp, `${JSON.stringify(setting)}\n`, { mode: 0o600, flag: "wx" });
  try {
    await rename(temp, file);
  } finally {
    await unlink(temp).catch(() => {});
  }
}

export interface LogLevelWatch {
  /** The level set for the root, or undefined when none is (then the host's own applies). */
  current(): LogLevel | undefined;
  stop(): void;
}

/** Follows the setting: a stat about once a second, a read when it changed. A bad file keeps the last level. */
export async function watchLogLevel(
  root: string,
  onChange: (level: LogLevel | undefined) => void,
  onError: (error: unknown) => void,
  intervalMs = 1000,
): Promise<LogLevelWatch> {
  let level: LogLevel | undefined;
  let signature = "";
  const check = async () => {
    const st = await stat(logLevelFile(root)).catch(() => undefined);
    const next = st ? `${st.ino}:${st.size}:${st.mtimeMs}` : "";
    if (next === signature) return;
    signature = next;
    const previous = level;
    level = next === "" ? undefined : (await readLogLevelSetting(root))?.level;
    if (level !== previous) onChange(level);
  };
  await check().catch(onError);
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    check()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return { current: () => level, stop: () => clearInterval(timer) };
}
