/** The pieces of `--workers N` that need no process: shares of per-host limits and the metrics relay. */
import { describe, expect, test } from "bun:test";
import { createMetricsRelay, type RelayPeer } from "../../src/cli/metrics-relay.ts";
import { parseWorkerSlot, shareOf } from "../../src/cli/worker-slot.ts";
import { createMetrics } from "../../src/s3/metrics.ts";
import type { MetricsSnapshot } from "../../src/s3/metrics-snapshot.ts";

function entry(operation: string, status: number, durationMs: number) {
  return { operation, status, durationMs, bytesIn: 10, bytesOut: 20 } as Parameters<
    ReturnType<typeof createMetrics>["observe"]
  >[0];
}

describe("shares of per-host limits", () => {
  test("the workers' parts add up to the host's total, and none is zero", () => {
    for (const [total, count] of [
      [4096, 3],
      [5, 2],
      [100, 7],
      [7, 7],
    ] as const) {
      const parts = Array.from({ length: count }, (_, index) => shareOf(total, { index, count }));
      expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
      expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
    }
    expect(shareOf(1, { index: 1, count: 2 })).toBe(1);
  });

  test("a missing or odd slot is the sole worker", () => {
    expect(parseWorkerSlot(undefined)).toEqual({ index: 0, count: 1 });
    expect(parseWorkerSlot("3/2")).toEqual({ index: 0, count: 1 });
    expect(parseWorkerSlot("1/4")).toEqual({ index: 1, count: 4 });
  });
});

describe("metrics of several workers", () => {
  const gauges = () => [
    { name: "in_flight", help: "h", value: () => 2 },
    { name: "uptime", help: "h", combine: "max" as const, value: () => 5 },
    { name: "delivered_total", help: "h", type: "counter" as const, value: () => 3 },
  ];

  test("counters, histograms and gauges add up; a gauge marked max takes the largest", () => {
    const a = createMetrics(gauges());
    const b = createMetrics(gauges());
    a.observe(entry("GetObject", 200, 1));
    b.observe(entry("GetObject", 200, 3));
    b.observe(entry("PutObject", 200, 30));
    const text = a.render([b.snapshot()]);
    expect(text).toContain('s3dir_requests_total{operation="GetObject",status="200"} 2\n');
    expect(text).toContain('s3dir_requests_total{operation="PutObject",status="200"} 1\n');
    expect(text).toContain('s3dir_request_duration_seconds_bucket{operation="GetObject",le="0.001"} 1\n');
    expect(text).toContain('s3dir_request_duration_seconds_count{operation="GetObject"} 2\n');
    expect(text).toContain("s3dir_received_bytes_total 30\n");
    expect(text).toContain("in_flight 4\n");
    expect(text).toContain("uptime 5\n");
    expect(text).toContain("delivered_total 6\n");
  });

  test("the counters of a worker gone stay in the total; its gauges do not", async () => {
    const relay = createMetricsRelay();
    const a = createMetrics(gauges());
    const b = createMetrics(gauges());
    b.observe(entry("GetObject", 200, 1));
    const peerB: RelayPeer = {
      pid: 2,
      send: (m) => queueMicrotask(() => relay.answered(2, (m as { id: number }).id, b.snapshot())),
    };
    const peerA: RelayPeer = { pid: 1, send: () => {} };
    const own: MetricsSnapshot = a.snapshot();
    const first = a.render(await relay.gather(1, own, [peerA, peerB]), own);
    expect(first).toContain('s3dir_requests_total{operation="GetObject",status="200"} 1\n');
    relay.retire(2);
    const later = a.render(await relay.gather(1, a.snapshot(), [peerA]));
    expect(later).toContain('s3dir_requests_total{operation="GetObject",status="200"} 1\n');
    expect(later).toContain("delivered_total 6\n");
    expect(later).toContain("in_flight 2\n");
  });
});
