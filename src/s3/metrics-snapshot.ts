/**
 * The raw numbers behind /metrics, as one process holds them: what the processes of one host
 * (`s3dir serve --workers N`) exchange so that any of them answers for the whole host.
 */
export interface HistogramCounts {
  counts: number[];
  sum: number;
  count: number;
}

export interface MetricsSnapshot {
  /** Requests answered, by `operation\u0000status`. */
  requests: Record<string, number>;
  latency: Record<string, HistogramCounts>;
  bytesIn: number;
  bytesOut: number;
  /** Totals kept elsewhere (counter-type gauges), by metric name: summed over processes. */
  counters: Record<string, number>;
  /** Values read now, by metric name: summed (or the largest, per the gauge) over live processes. */
  gauges: Record<string, number>;
}

export function emptySnapshot(): MetricsSnapshot {
  return { requests: {}, latency: {}, bytesIn: 0, bytesOut: 0, counters: {}, gauges: {} };
}

/**
 * Adds `from`'s counters into `into` (in place) and returns it. Gauges are left to the caller:
 * whether they add up or take the largest depends on the gauge, and a process gone has none.
 */
export function addCounters(into: MetricsSnapshot, from: MetricsSnapshot): MetricsSnapshot {
  for (const [key, n] of Object.entries(from.requests)) into.requests[key] = (into.requests[key] ?? 0) + n;
  for (const [op, h] of Object.entries(from.latency)) {
    const mine = into.latency[op];
    if (!mine) {
      into.latency[op] = { counts: [...h.counts], sum: h.sum, count: h.count };
      continue;
    }
    for (let i = 0; i < h.counts.length; i++) mine.counts[i] = (mine.counts[i] ?? 0) + (h.counts[i] ?? 0);
    mine.sum += h.sum;
    mine.count += h.count;
  }
  into.bytesIn += from.bytesIn;
  into.bytesOut += from.bytesOut;
  for (const [name, n] of Object.entries(from.counters)) into.counters[name] = (into.counters[name] ?? 0) + n;
  return into;
}
