import type { AccessLogEntry } from "../audit/access-log-entry.ts";
import {
  addCounters,
  emptySnapshot,
  type HistogramCounts,
  type MetricsSnapshot,
} from "./metrics-snapshot.ts";

/** Latency buckets in seconds, from a cached small GET to a multi-GiB upload. */
const bucketBounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** A value read at scrape time. */
export interface Gauge {
  name: string;
  help: string;
  /** Default "gauge"; "counter" for totals kept elsewhere (e.g. audit deliveries). */
  type?: "gauge" | "counter";
  /** How the values of a host's processes combine: added (default) or the largest (e.g. uptime). */
  combine?: "sum" | "max";
  value: () => number;
}

/**
 * Prometheus metrics fed from access-log entries: requests by operation and status, latency
 * histograms by operation, bytes in and out; plus gauges read at scrape time (in flight, spool…).
 * `render(peers)` adds the snapshots of the host's other processes (`--workers N`), so that a
 * scrape of any of them reports the whole host.
 */
export function createMetrics(gauges: Gauge[] = []) {
  const requests = new Map<string, number>();
  const latency = new Map<string, HistogramCounts>();
  let bytesIn = 0;
  let bytesOut = 0;

  function observe(entry: AccessLogEntry): void {
    const key = `${entry.operation}\u0000${entry.status}`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
    let h = latency.get(entry.operation);
    if (!h) {
      h = { counts: new Array(bucketBounds.length).fill(0), sum: 0, count: 0 };
      latency.set(entry.operation, h);
    }
    const seconds = entry.durationMs / 1000;
    for (let i = 0; i < bucketBounds.length; i++) if (seconds <= bucketBounds[i]!) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
    bytesIn += entry.bytesIn;
    bytesOut += entry.bytesOut;
  }

  /** This process's numbers now, as plain data (copies). */
  function snapshot(): MetricsSnapshot {
    const s = emptySnapshot();
    for (const [key, n] of requests) s.requests[key] = n;
    for (const [op, h] of latency) s.latency[op] = { counts: [...h.counts], sum: h.sum, count: h.count };
    s.bytesIn = bytesIn;
    s.bytesOut = bytesOut;
    for (const g of gauges) {
      if (g.type === "counter") s.counters[g.name] = g.value();
      else s.gauges[g.name] = g.value();
    }
    return s;
  }

  /** The Prometheus text of `own` (default: a snapshot now) plus the peers' snapshots. */
  function render(peers: readonly MetricsSnapshot[] = [], own: MetricsSnapshot = snapshot()): string {
    const total = addCounters(emptySnapshot(), own);
    for (const peer of peers) addCounters(total, peer);
    const lines: string[] = [];
    lines.push("# HELP s3dir_requests_total Requests answered, by operation and HTTP status.");
    lines.push("# TYPE s3dir_requests_total counter");
    for (const [key, n] of Object.entries(total.requests).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const [operation, status] = key.split("\u0000");
      lines.push(`s3dir_requests_total{operation="${label(operation!)}",status="${status}"} ${n}`);
    }
    lines.push("# HELP s3dir_request_duration_seconds Time from request to response headers, by operation.");
    lines.push("# TYPE s3dir_request_duration_seconds histogram");
    for (const [operation, h] of Object.entries(total.latency).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const op = label(operation);
      bucketBounds.forEach((bound, i) => {
        lines.push(`s3dir_request_duration_seconds_bucket{operation="${op}",le="${bound}"} ${h.counts[i]}`);
      });
      lines.push(`s3dir_request_duration_seconds_bucket{operation="${op}",le="+Inf"} ${h.count}`);
      lines.push(`s3dir_request_duration_seconds_sum{operation="${op}"} ${h.sum}`);
      lines.push(`s3dir_request_duration_seconds_count{operation="${op}"} ${h.count}`);
    }
    lines.push("# HELP s3dir_received_bytes_total Request body bytes consumed.");
    lines.push("# TYPE s3dir_received_bytes_total counter");
    lines.push(`s3dir_received_bytes_total ${total.bytesIn}`);
    lines.push("# HELP s3dir_sent_bytes_total Response body bytes sent (Content-Length).");
    lines.push("# TYPE s3dir_sent_bytes_total counter");
    lines.push(`s3dir_sent_bytes_total ${total.bytesOut}`);
    for (const g of gauges) {
      lines.push(`# HELP ${g.name} ${g.help}`);
      lines.push(`# TYPE ${g.name} ${g.type ?? "gauge"}`);
      lines.push(`${g.name} ${g.type === "counter" ? total.counters[g.name] : gaugeValue(g, own, peers)}`);
    }
    return `${lines.join("\n")}\n`;
  }

  return { observe, snapshot, render };
}

function gaugeValue(g: Gauge, own: MetricsSnapshot, peers: readonly MetricsSnapshot[]): number {
  let value = own.gauges[g.name] ?? 0;
  for (const peer of peers) {
    const theirs = peer.gauges[g.name];
    if (theirs === undefined) continue;
    value = g.combine === "max" ? Math.max(value, theirs) : value + theirs;
  }
  return value;
}

function label(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}
