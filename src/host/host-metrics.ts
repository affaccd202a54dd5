import type { AuditTrail } from "../audit/audit-trail.ts";
import { createMetrics } from "../s3/metrics.ts";
import type { HostOptions } from "./host-options.ts";

/** The host's Prometheus metrics: per-request ones (s3/metrics.ts) and the host's own gauges. */
export function createHostMetrics(sources: { inFlight(): number; audit: AuditTrail; startedAt: Date }) {
  const { audit, startedAt } = sources;
  return createMetrics([
    { name: "s3dir_requests_in_flight", help: "Requests being answered now.", value: sources.inFlight },
    {
      name: "s3dir_audit_spool_bytes",
      help: "Audit events not yet delivered, in bytes of spool.",
      value: () => audit.stats().bytesPending,
    },
    {
      name: "s3dir_audit_spool_events",
      help: "Audit events not yet delivered.",
      value: () => audit.stats().eventsPending,
    },
    {
      name: "s3dir_audit_spool_full",
      help: "1 while the audit spool is at its bound and new events are dropped.",
      value: () => (audit.stats().full ? 1 : 0),
    },
    {
      name: "s3dir_audit_events_dropped_total",
      help: "Audit events lost because the spool was full or unwritable.",
      type: "counter",
      value: () => audit.stats().eventsDropped,
    },
    {
      name: "s3dir_audit_events_delivered_total",
      help: "Audit events the webhook acknowledged.",
      type: "counter",
      value: () => audit.stats().eventsDelivered,
    },
    {
      name: "s3dir_uptime_seconds",
      help: "Seconds since this host started.",
      combine: "max",
      value: () => Math.floor((Date.now() - startedAt.getTime()) / 1000),
    },
  ]);
}

/** /metrics for this process alone, or for every process of the host when it has peers. */
export function metricsText(
  metrics: ReturnType<typeof createHostMetrics>,
  peerMetrics: HostOptions["peerMetrics"],
): () => string | Promise<string> {
  if (!peerMetrics) return () => metrics.render();
  return async () => {
    const own = metrics.snapshot();
    return metrics.render(await peerMetrics(own), own);
  };
}
