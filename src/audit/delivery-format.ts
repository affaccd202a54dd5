import type { AuditEvent } from "./audit-event.ts";
import { minioAuditEntry } from "./minio-layout.ts";
import type { AuditFormat, AuditLayout } from "./webhook-settings.ts";

/** One delivery request: body and headers. */
export interface EncodedBatch {
  body: string;
  headers: Record<string, string>;
}

export interface LayoutOptions {
  /** `s3dir` (the AuditEvent as spooled, the default) or `minio` (MinIO's and Weka's audit entry). */
  layout?: AuditLayout;
  /** MinIO's `deploymentid`: the id kept in the webhook setting. */
  deploymentId?: string;
}

/** The Splunk HTTP Event Collector envelope of one event. */
function splunkLine(event: AuditEvent, body: unknown): string {
  const millis = Date.parse(event.time);
  return JSON.stringify({
    time: Number.isFinite(millis) ? millis / 1000 : Date.now() / 1000,
    host: event.host,
    source: "s3dir",
    sourcetype: "s3dir:audit",
    event: body,
  });
}

/**
 * The Authorization header: the token after the format's scheme, unless the token already names
 * one ("Splunk abc", "Bearer abc", "Basic …"), as Weka's docs tell operators to write it; then it is
 * sent as given and never becomes `Splunk Splunk abc`.
 */
function authorization(scheme: string, token: string): string {
  return /^[A-Za-z][\w.+-]* \S/.test(token) ? token : `${scheme} ${token}`;
}

/**
 * Encodes a batch for the receiver. `splunk`: one HEC event object per line, newline-separated, with
 * `Authorization: Splunk TOKEN`. `json`: a JSON array of events, with `Authorization: Bearer TOKEN`.
 */
export function encodeBatch(
  format: AuditFormat,
  events: AuditEvent[],
  token?: string,
  options: LayoutOptions = {},
): EncodedBatch {
  const headers: Record<string, string> = { "user-agent": "s3dir-audit" };
  const shaped =
    options.layout === "minio"
      ? (event: AuditEvent): unknown => minioAuditEntry(event, options.deploymentId ?? "")
      : (event: AuditEvent): unknown => event;
  headers["content-type"] = "application/json";
  if (format === "splunk") {
    if (token) headers.authorization = authorization("Splunk", token);
    return { body: `${events.map((e) => splunkLine(e, shaped(e))).join("\n")}\n`, headers };
  }
  if (token) headers.authorization = authorization("Bearer", token);
  return { body: JSON.stringify(events.map(shaped)), headers };
}
