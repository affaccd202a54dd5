import type { AuditEvent } from "./audit-event.ts";
import type { AuditFormat } from "./webhook-settings.ts";

/** One delivery request: body and headers. */
export interface EncodedBatch {
  body: string;
  headers: Record<string, string>;
}

/** The Splunk HTTP Event Collector envelope of one event. */
function splunkLine(event: AuditEvent): string {
  const millis = Date.parse(event.time);
  return JSON.stringify({
    time: Number.isFinite(millis) ? millis / 1000 : Date.now() / 1000,
    host: event.host,
    source: "s3dir",
    sourcetype: "s3dir:audit",
    event,
  });
}

/**
 * Encodes a batch for the receiver. `splunk`: one HEC event object per line, newline-separated, with
 * `Authorization: Splunk TOKEN`. `json`: a JSON array of events, with `Authorization: Bearer TOKEN`.
 */
export function encodeBatch(format: AuditFormat, events: AuditEvent[], token?: string): EncodedBatch {
  const headers: Record<string, string> = { "user-agent": "s3dir-audit" };
  if (format === "splunk") {
    headers["content-type"] = "application/json";
    if (token) headers.authorization = `Splunk ${token}`;
    return { body: `${events.map(splunkLine).join("\n")}\n`, headers };
  }
  headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  return { body: JSON.stringify(events), headers };
}
