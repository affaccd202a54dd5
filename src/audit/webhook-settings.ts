import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import * as v from "valibot";

export type AuditFormat = "splunk" | "json";

/** The webhook setting, `<root>/.s3dir/audit/webhook.json` (mode 0600: it holds the token). */
export interface WebhookSettings {
  enabled: boolean;
  url: string;
  authToken?: string;
  format: AuditFormat;
  /** Events per request at most. */
  batchSize: number;
  /** How long a partial batch waits for more events before it is sent anyway. */
  flushIntervalMs: number;
  /** A delivery that has not answered by then counts as failed. */
  timeoutMs: number;
  /** The longest wait between retries of a failed delivery (the backoff doubles up to this). */
  maxBackoffMs: number;
  /** Each host's spool holds at most this many undelivered bytes; new events are dropped beyond it. */
  spoolMaxBytes: number;
  updated: string;
}

export const webhookDefaults = {
  format: "splunk",
  batchSize: 100,
  flushIntervalMs: 1000,
  timeoutMs: 10_000,
  maxBackoffMs: 30_000,
  spoolMaxBytes: 1024 ** 3,
} as const;

const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));

const settingsSchema = v.object({
  enabled: v.boolean(),
  url: v.pipe(v.string(), v.url()),
  authToken: v.optional(v.string()),
  format: v.optional(v.picklist(["splunk", "json"]), webhookDefaults.format),
  batchSize: v.optional(v.pipe(positiveInt, v.maxValue(10_000)), webhookDefaults.batchSize),
  flushIntervalMs: v.optional(positiveInt, webhookDefaults.flushIntervalMs),
  timeoutMs: v.optional(positiveInt, webhookDefaults.timeoutMs),
  maxBackoffMs: v.optional(positiveInt, webhookDefaults.maxBackoffMs),
  spoolMaxBytes: v.optional(positiveInt, webhookDefaults.spoolMaxBytes),
  updated: v.optional(v.string(), ""),
});

/** Validates a parsed settings document; throws with the first problem. */
export function parseWebhookSettings(value: unknown): WebhookSettings {
  const result = v.safeParse(settingsSchema, value);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".");
    throw new Error(`${path ? `${path}: ` : ""}${issue.message}`);
  }
  return result.output;
}

/** The setting in the file; undefined when there is none. */
export async function readWebhookSettings(file: string): Promise<WebhookSettings | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    return parseWebhookSettings(JSON.parse(text));
  } catch (e) {
    throw new Error(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Publishes the setting atomically (temp file, then rename), mode 0600 in a 0700 directory. */
export async function writeWebhookSettings(file: string, settings: WebhookSettings): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(temp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  try {
    await rename(temp, file);
  } catch (e) {
    await unlink(temp).catch(() => {});
    throw e;
  }
}

/** A token as `show` prints it: never more than its last four characters. */
export function maskToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  return token.length >= 12 ? `****${token.slice(-4)}` : "****";
}

export interface SettingsWatcher {
  /** The setting as last read; undefined when there is none (the webhook is off). */
  current(): WebhookSettings | undefined;
  /** Calls fn after every change that is seen. */
  onChange(fn: () => void): void;
  close(): void;
}

export interface SettingsWatcherOptions {
  /** How often the file is stat'ed. Default 1 s. */
  intervalMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Follows the settings file: stat about once a second and read it again when it changed, so that
 * every host follows `s3dir audit-webhook enable|disable` within seconds. A file that cannot be
 * parsed keeps the previous setting (and is reported once per change).
 */
export async function watchWebhookSettings(
  file: string,
  options: SettingsWatcherOptions = {},
): Promise<SettingsWatcher> {
  let settings: WebhookSettings | undefined;
  let signature = "";
  const listeners: (() => void)[] = [];
  const check = async () => {
    let next: string;
    try {
      const s = await stat(file);
      next = `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      next = "";
    }
    if (next === signature) return;
    signature = next;
    const previous = settings;
    try {
      settings = next === "" ? undefined : await readWebhookSettings(file);
    } catch (e) {
      options.onError?.(e);
      return;
    }
    if (JSON.stringify(previous) !== JSON.stringify(settings)) for (const fn of listeners) fn();
  };
  await check().catch((e) => options.onError?.(e));
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    check()
      .catch((e) => options.onError?.(e))
      .finally(() => {
        running = false;
      });
  }, options.intervalMs ?? 1000);
  timer.unref();
  return {
    current: () => settings,
    onChange: (fn) => void listeners.push(fn),
    close: () => clearInterval(timer),
  };
}
