/**
 * Host settings for the console's admin pages, to admins only: the STS session limit, the audit
 * webhook's state, this host's spool depth and every host's spool backlog. The page proves the
 * caller with a presigned IAM ListUsers (src/console/app/admin-proof.ts); the host replays it through its own IAM pipeline, so the same
 * authentication and identity policies decide. The webhook token is never part of the answer.
 */
import { replayHeaders } from "./console-replay.ts";
import type { ClientInfo, UsageDeps } from "./console-usage.ts";

/** The same text as src/console/app/admin-proof.ts (the page's layer may not be imported here). */
const adminProofBody = "Action=ListUsers&MaxItems=1&Version=2010-05-08";

/** What the console reads of the host's audit trail (src/audit/audit-trail.ts AuditStats). */
interface AuditStats {
  bytesPending: number;
  eventsPending: number;
  full: boolean;
  eventsDropped: number;
  lastError?: string;
}

/** What the console reads of the webhook setting (src/audit/webhook-settings.ts); no token. */
interface WebhookSettings {
  enabled: boolean;
  url: string;
  format: string;
  layout?: string;
  batchSize: number;
  batchMaxBytes?: number;
  flushIntervalMs: number;
}

/** Scheme, host and path: a URL's user, password, query and fragment are left out. */
function urlWithoutSecrets(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(invalid url)";
  }
}

/** One host's audit spool on the shared filesystem (src/audit/spool-depths.ts SpoolDepth). */
export interface SpoolDepth {
  spool: string;
  own: boolean;
  bytesPending: number;
  lastChange: string | null;
}

export interface AdminSources {
  s3: UsageDeps["s3"];
  stsMaxDurationSeconds: number;
  auditStats(): AuditStats;
  webhookSettings(): Promise<WebhookSettings | undefined>;
  /** Every host's spool: the cluster's audit backlog, not only this host's. */
  spoolDepths(): Promise<SpoolDepth[]>;
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
    /** Every host's spool (this host's too), by host id. */
    spools: SpoolDepth[];
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
      ...replayHeaders(request),
      "content-type": "application/x-www-form-urlencoded; charset=utf-8",
    },
    body: adminProofBody,
  });
  const answer = await sources.s3(replay, client);
  await answer.body?.cancel();
  if (answer.status !== 200) return new Response(null, { status: 403 });
  const settings = await sources.webhookSettings().catch(() => undefined);
  const stats = sources.auditStats();
  const spools = await sources.spoolDepths().catch(() => []);
  return {
    sts: { maxDurationSeconds: sources.stsMaxDurationSeconds },
    audit: {
      enabled: settings?.enabled === true,
      url: settings ? urlWithoutSecrets(settings.url) : null,
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
      spools,
    },
  };
}
