import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import * as v from "valibot";
import { decryptSecret, encryptSecret, type SecretsKey } from "../iam/secrets-key.ts";

export type AuditFormat = "splunk" | "json";
/** The shape of each event: s3dir's own, or the entry MinIO and Weka send (minio-layout.ts). */
export type AuditLayout = "s3dir" | "minio";

/**
 * The webhook setting, `<root>/.s3dir/audit/webhook.json` (mode 0600). On disk the token is
 * `sealedAuthToken`, sealed under the secrets key like the IAM secrets (iam/secrets-key.ts); files of
 * older versions hold `authToken` in plain text, still read, and sealed when a host starts.
 */
export interface WebhookSettings {
  enabled: boolean;
  url: string;
  authToken?: string;
  format: AuditFormat;
  /** Absent in files of older versions: s3dir. */
  layout?: AuditLayout;
  /** MinIO's `deploymentid` in the minio layout; made once by `enable` and kept. */
  deploymentId?: string;
  /** Events per request at most. */
  batchSize: number;
  /** Bytes of spooled events per request at most (a larger single event still goes alone); absent: no bound. */
  batchMaxBytes?: number;
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
  sealedAuthToken: v.optional(v.string()),
  format: v.optional(v.picklist(["splunk", "json"]), webhookDefaults.format),
  layout: v.optional(v.picklist(["s3dir", "minio"])),
  deploymentId: v.optional(v.string()),
  batchSize: v.optional(v.pipe(positiveInt, v.maxValue(10_000)), webhookDefaults.batchSize),
  batchMaxBytes: v.optional(positiveInt),
  flushIntervalMs: v.optional(positiveInt, webhookDefaults.flushIntervalMs),
  timeoutMs: v.optional(positiveInt, webhookDefaults.timeoutMs),
  maxBackoffMs: v.optional(positiveInt, webhookDefaults.maxBackoffMs),
  spoolMaxBytes: v.optional(positiveInt, webhookDefaults.spoolMaxBytes),
  updated: v.optional(v.string(), ""),
});

/** The label the token is sealed with (the AAD), so that no other sealed secret passes for it. */
const tokenLabel = "audit-webhook-token";

/** Validates a parsed settings document; throws with the first problem. */
export function parseWebhookSettings(value: unknown): WebhookSettings {
  const result = v.safeParse(settingsSchema, value);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".");
    throw new Error(`${path ? `${path}: ` : ""}${issue.message}`);
  }
  const { sealedAuthToken: _, ...settings } = result.output;
  return settings;
}

interface StoredSettings {
  settings: WebhookSettings;
  /** The file holds the token in plain text (written by an older version). */
  plainToken: boolean;
  signature: string;
}

async function readStored(file: string, secretsKey: SecretsKey): Promise<StoredSettings | undefined> {
  let text: string;
  let signature: string;
  try {
    signature = statSignature(await stat(file));
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const doc = JSON.parse(text) as { sealedAuthToken?: unknown; authToken?: unknown };
    const settings = parseWebhookSettings(doc);
    if (typeof doc.sealedAuthToken === "string") {
      settings.authToken = decryptSecret(secretsKey, doc.sealedAuthToken, tokenLabel);
    }
    return { settings, plainToken: typeof doc.authToken === "string", signature };
  } catch (e) {
    throw new Error(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The setting in the file, its token unsealed; undefined when there is none. */
export async function readWebhookSettings(
  file: string,
  secretsKey: SecretsKey,
): Promise<WebhookSettings | undefined> {
  return (await readStored(file, secretsKey))?.settings;
}

/**
 * Publishes the setting atomically (temp file, then rename), mode 0600 in a 0700 directory, its
 * token sealed. With `unless`, the file is replaced only if it still has that stat signature.
 */
export async function writeWebhookSettings(
  file: string,
  settings: WebhookSettings,
  secretsKey: SecretsKey,
  unless?: { signature: string },
): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const { authToken, ...rest } = settings;
  const doc =
    authToken === undefined
      ? rest
      : { ...rest, sealedAuthToken: encryptSecret(secretsKey, authToken, tokenLabel) };
  const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(temp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  try {
    if (unless && statSignature(await stat(file)) !== unless.signature) return;
    await rename(temp, file);
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/**
 * Seals the token of a file written by an older version, unless the file changed meanwhile (an
 * admin's newer setting is never replaced by the old one).
 */
export async function sealLegacyToken(file: string, secretsKey: SecretsKey): Promise<void> {
  const stored = await readStored(file, secretsKey);
  if (!stored?.plainToken) return;
  await writeWebhookSettings(file, stored.settings, secretsKey, { signature: stored.signature });
}

function statSignature(s: { ino: number; size: number; mtimeMs: number; ctimeMs: number }): string {
  return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
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
  /** Unseals the token. */
  secretsKey: SecretsKey;
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
  options: SettingsWatcherOptions,
): Promise<SettingsWatcher> {
  let settings: WebhookSettings | undefined;
  let signature = "";
  const listeners: (() => void)[] = [];
  const check = async () => {
    let next: string;
    try {
      next = statSignature(await stat(file));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      next = "";
    }
    if (next === signature) return;
    signature = next;
    const previous = settings;
    try {
      settings = next === "" ? undefined : await readWebhookSettings(file, options.secretsKey);
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
