import { randomUUID } from "node:crypto";
import { auditPaths } from "../audit/audit-paths.ts";
import {
  maskToken,
  readWebhookSettings,
  type WebhookSettings,
  webhookDefaults,
  writeWebhookSettings,
} from "../audit/webhook-settings.ts";
import { loadSecretsKey } from "../iam/secrets-key.ts";
import { adminContext, adminOptions, subcommand } from "./admin-options.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";
import type { OptionSpec } from "./option-spec.ts";
import { UsageError } from "./usage-error.ts";

const usage = {
  enable:
    "s3dir audit-webhook enable --url http(s)://… [--auth-token TOKEN] [--batch-size N] [--flush-interval S] " +
    "[--format splunk|json] [--layout s3dir|minio] [--timeout S] [--max-backoff S] [--spool-max-bytes N]",
  disable: "s3dir audit-webhook disable",
  show: "s3dir audit-webhook show",
  "batch-config": "s3dir audit-webhook batch-config [--count N] [--size SIZE] [--time DURATION]",
};

function seconds(name: string, text: string | undefined, fallbackMs: number): number {
  if (text === undefined) return fallbackMs;
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0)
    throw new UsageError(`--${name} is a number of seconds > 0`);
  return Math.max(1, Math.round(Number(text) * 1000));
}

function integer(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max)
    throw new UsageError(`--${name} is a whole number from 1 to ${max}`);
  return Number(text);
}

const units: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** "1048576", "512k", "64m", "1g" (binary units) → bytes. */
function byteSize(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const m = /^(\d+)([kmg]?)(i?b)?$/i.exec(text);
  if (!m || Number(m[1]) < 1) throw new UsageError(`--${name} is a size such as 1048576, 512k, 64m or 1g`);
  return Number(m[1]) * units[m[2]!.toLowerCase()]!;
}

function parseUrl(text: string | undefined): string {
  if (!text) throw new UsageError(`usage: ${usage.enable}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError("--url is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError("--url is http:// or https://");
  return url.href;
}

/** The URL with a password in it masked. */
function maskUrl(text: string): string {
  const url = new URL(text);
  if (url.password) url.password = "****";
  return url.href;
}

function shown(settings: WebhookSettings) {
  const { authToken, ...rest } = settings;
  return {
    ...rest,
    url: maskUrl(rest.url),
    ...(authToken === undefined ? {} : { authToken: maskToken(authToken) }),
  };
}

function describe(settings: WebhookSettings | undefined): string {
  if (!settings) return "audit webhook: not configured (disabled)";
  const s = shown(settings);
  return [
    `audit webhook: ${settings.enabled ? "enabled" : "disabled"}`,
    `  url             ${s.url}`,
    `  format          ${s.format}`,
    `  layout          ${s.layout ?? "s3dir"}`,
    `  auth token      ${s.authToken ?? "(none)"}`,
    `  batch size      ${s.batchSize}`,
    `  batch max bytes ${s.batchMaxBytes ?? "(no bound)"}`,
    `  flush interval  ${s.flushIntervalMs / 1000}s`,
    `  timeout         ${s.timeoutMs / 1000}s`,
    `  max backoff     ${s.maxBackoffMs / 1000}s`,
    `  spool max bytes ${s.spoolMaxBytes}`,
    `  updated         ${s.updated}`,
  ].join("\n");
}

/**
 * `s3dir audit-webhook enable|disable|show`: the audit webhook setting, shared by every host through
 * `<root>/.s3dir/audit/webhook.json`; running hosts follow a change within about a second.
 */
async function runAuditWebhook(line: CommandLine): Promise<void> {
  const [sub] = subcommand(line.positionals, usage);
  const ctx = await adminContext(line);
  const file = auditPaths(ctx.root).settings;
  const flags = ctx.options;
  const secretsKey = await loadSecretsKey(ctx.root, process.env);
  if (sub === "show") {
    const settings = await readWebhookSettings(file, secretsKey);
    return ctx.print(settings ? shown(settings) : { enabled: false }, describe(settings));
  }
  if (sub === "disable") {
    const settings = await readWebhookSettings(file, secretsKey);
    if (settings?.enabled)
      await writeWebhookSettings(file, { ...settings, enabled: false, updated: now() }, secretsKey);
    return ctx.print({ enabled: false }, "audit webhook disabled");
  }
  if (sub === "batch-config") return await batchConfig(ctx, file, secretsKey);
  const format = flags.format ?? webhookDefaults.format;
  if (format !== "splunk" && format !== "json") throw new UsageError("--format is splunk or json");
  const layout = flags.layout ?? "s3dir";
  if (layout !== "s3dir" && layout !== "minio") throw new UsageError("--layout is s3dir or minio");
  if (flags["auth-token"] === "") throw new UsageError("--auth-token is empty");
  const previous = await readWebhookSettings(file, secretsKey);
  const settings: WebhookSettings = {
    enabled: true,
    url: parseUrl(flags.url),
    ...(flags["auth-token"] === undefined ? {} : { authToken: flags["auth-token"] }),
    format,
    layout,
    deploymentId: previous?.deploymentId ?? randomUUID(),
    batchSize: integer("batch-size", flags["batch-size"], webhookDefaults.batchSize, 10_000),
    flushIntervalMs: seconds("flush-interval", flags["flush-interval"], webhookDefaults.flushIntervalMs),
    timeoutMs: seconds("timeout", flags.timeout, webhookDefaults.timeoutMs),
    maxBackoffMs: seconds("max-backoff", flags["max-backoff"], webhookDefaults.maxBackoffMs),
    spoolMaxBytes: byteSize("spool-max-bytes", flags["spool-max-bytes"], webhookDefaults.spoolMaxBytes),
    updated: now(),
  };
  await writeWebhookSettings(file, settings, secretsKey);
  ctx.print(shown(settings), describe(settings));
}

/**
 * `batch-config`: changes only the batching of the current setting; running hosts follow it like
 * any change of the file, without a restart.
 */
async function batchConfig(
  ctx: Awaited<ReturnType<typeof adminContext>>,
  file: string,
  secretsKey: Awaited<ReturnType<typeof loadSecretsKey>>,
): Promise<void> {
  const flags = ctx.options;
  const settings = await readWebhookSettings(file, secretsKey);
  if (!settings)
    throw new UsageError("no audit webhook is configured: run `s3dir audit-webhook enable` first");
  const time = flags.time;
  let flushIntervalMs = settings.flushIntervalMs;
  if (time !== undefined) {
    const ms = parseDuration(time, "s");
    if (ms === undefined || ms < 1) throw new UsageError("--time is a duration such as 500ms, 2s or 1m");
    flushIntervalMs = ms;
  }
  const next: WebhookSettings = {
    ...settings,
    batchSize: integer("count", flags.count, settings.batchSize, 10_000),
    flushIntervalMs,
    updated: now(),
  };
  if (flags.size !== undefined) next.batchMaxBytes = byteSize("size", flags.size, 0);
  await writeWebhookSettings(file, next, secretsKey);
  ctx.print(shown(next), describe(next));
}

/** "500ms", "2s", "1.5s", "1m"; a bare number is seconds. */
function parseDuration(text: string, bareUnit: "s"): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? bareUnit) as "ms" | "s" | "m" | "h"];
  return Math.round(Number(m[1]) * unit);
}

const value = (name: string, placeholder: string, description: string, fallback?: string): OptionSpec => ({
  name,
  kind: "value",
  value: placeholder,
  description,
  ...(fallback === undefined ? {} : { default: fallback }),
});

export const auditWebhookCommand: CommandSpec = {
  name: "audit-webhook",
  summary:
    "where every S3, STS and IAM call is delivered (at least once); running hosts follow within a second",
  usage,
  options: adminOptions(
    value("url", "URL", "the collector (http:// or https://)"),
    value(
      "auth-token",
      "TOKEN",
      "sent as `Authorization: Splunk TOKEN` (splunk) or `Bearer TOKEN` (json); a token that names its scheme (`Splunk abc`) is sent as given",
    ),
    value("format", "splunk|json", "the body format", webhookDefaults.format),
    value(
      "layout",
      "s3dir|minio",
      "each event's fields: s3dir's, or MinIO's and Weka's (api.name …)",
      "s3dir",
    ),
    value("count", "N", "batch-config: events per request (1 … 10000)"),
    value("size", "SIZE", "batch-config: bytes per request at most (512k, 4m)"),
    value("time", "DURATION", "batch-config: the longest an event waits for its batch (500ms, 2s)"),
    value("batch-size", "N", "events per request (1 … 10000)", String(webhookDefaults.batchSize)),
    value("flush-interval", "SECONDS", "the longest an event waits for its batch", "1"),
    value("timeout", "SECONDS", "how long a delivery may take", "10"),
    value("max-backoff", "SECONDS", "the longest wait between retries", "30"),
    value("spool-max-bytes", "SIZE", "the bound of the undelivered events' spool (512k, 64m, 1g)", "1g"),
  ),
  run: runAuditWebhook,
};

function now(): string {
  return new Date().toISOString();
}
