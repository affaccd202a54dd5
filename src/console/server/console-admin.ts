/**
 * Host settings for the console's admin pages, to admins only: the STS session limit and the audit
 * webhook's state and spool depth. The page proves the caller with a presigned IAM ListUsers
 * (src/console/app/admin-proof.ts); the host replays it through its own IAM pipeline, so the same
 * authentication and identity policies decide. The webhook token is never part of the answer.
 */
import type { AuditStats } from "../../audit/audit-trail.ts";
import { urlForLogs } from "../../audit/shipper.ts";
import type { WebhookSettings } from "../../audit/webhook-settings.ts";
import { adminProofBody } from "../app/admin-proof.ts";
import type { ClientInfo, UsageDeps } from "./console-usage.ts";

export interface AdminSources {
  s3: UsageDeps["s3"];
  stsMaxDurationSeconds: number;
  auditStats(): AuditStats;
  webhookSettings(): Promise<WebhookSettings | undefined>;
}

export interface AdminSettings {
  sts: { maxDurationSeconds: number };
  audit: {
    enabled: boolean;
    /** Scheme, host and path only: no user, password or query. */
    url: string | null;
    format: string | null;
    layout: string | null;
    batch: { count: number; maxBytes: number | null; flushIntervalMs: number } | null;
    eventsPending: number;
    bytesPending: number;
    full: boolean;
    eventsDropped: number;
    lastError: string | null;
  };
}

export async function adminSettings(
  request: Request,
  client: ClientInfo,
  sources: AdminSources,
): Promise<Response | AdminSettings> {
  const url = new URL(request.url);
  const proof = request.headers.get("x-s3dir-proof") ?? "";
  if (!proof.includes("X-Amz-Signature=")) return new Response(null, { status: 403 });
  const replay = new Request(`${url.origin}/?${proof.replace(/^\?/, "")}`, {
    method: "POST",
    headers: {
      host: request.headers.get("host") ?? url.host,
      "content-type": "application/x-www-form-urlencoded; charset=utf-8",
    },
    body: adminProofBody,
  });
  const answer = await sources.s3(replay, client);
  await answer.body?.cancel();
  if (answer.status !== 200) return new Response(null, { status: 403 });
  const settings = await sources.webhookSettings().catch(() => undefined);
  const stats = sources.auditStats();
  return {
    sts: { maxDurationSeconds: sources.stsMaxDurationSeconds },
    audit: {
      enabled: settings?.enabled === true,
      url: settings ? urlForLogs(settings.url) : null,
      format: settings?.format ?? null,
      layout: settings ? (settings.layout ?? "s3dir") : null,
      batch: settings
        ? {
            count: settings.batchSize,
            maxBytes: settings.batchMaxBytes ?? null,
            flushIntervalMs: settings.flushIntervalMs,
          }
        : null,
      eventsPending: stats.eventsPending,
      bytesPending: stats.bytesPending,
      full: stats.full,
      eventsDropped: stats.eventsDropped,
      lastError: stats.lastError ?? null,
    },
  };
}
