import { afterAll, describe, expect, test } from "bun:test";
import { probeHost, probeHosts } from "../../src/cluster/host-probe.ts";
import { allReady, formatUptime, renderStatusTable } from "../../src/cluster/status-table.ts";

const status = {
  host: "s3-1",
  version: "0.1.0",
  startedAt: "2026-01-01T00:00:00.000Z",
  uptimeSeconds: 3723,
  inFlight: 2,
  ready: true,
  reasons: [],
  rootEncrypted: null,
};

/** Stub hosts on 127.0.0.1: one ready, one shutting down, one too slow to answer, one without /health/status. */
const servers = {
  ready: Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) =>
      new URL(req.url).pathname === "/health/ready"
        ? Response.json({ status: "ready" })
        : Response.json(status),
  }),
  draining: Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) =>
      new URL(req.url).pathname === "/health/ready"
        ? Response.json({ status: "not-ready", reasons: ["shutting down"] }, { status: 503 })
        : Response.json({ ...status, ready: false, reasons: ["shutting down"] }),
  }),
  slow: Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async () => {
      await Bun.sleep(2000);
      return Response.json(status);
    },
  }),
  old: Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) =>
      new URL(req.url).pathname === "/health/ready"
        ? Response.json({ status: "ready" })
        : new Response("not found", { status: 404 }),
  }),
};
afterAll(() => {
  for (const s of Object.values(servers)) s.stop(true);
});
const at = (s: { port?: number }) => ({ address: `127.0.0.1:${s.port}`, scheme: "http" as const });

describe("probeHost", () => {
  test("a ready host reports what /health/status says", async () => {
    const report = await probeHost(at(servers.ready), 1000);
    expect(report).toMatchObject({
      reachable: true,
      ready: true,
      reasons: [],
      error: null,
      host: "s3-1",
      version: "0.1.0",
      uptimeSeconds: 3723,
      inFlight: 2,
    });
  });

  test("a 503 from /health/ready: reachable, not ready, with the host's reasons", async () => {
    const report = await probeHost(at(servers.draining), 1000);
    expect(report).toMatchObject({ reachable: true, ready: false, reasons: ["shutting down"], error: null });
  });

  test("no answer within the timeout: unreachable, and the call returns in time", async () => {
    const started = Date.now();
    const report = await probeHost(at(servers.slow), 200);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(report).toMatchObject({ reachable: false, ready: false, error: "no answer within 200 ms" });
  });

  test("nothing listening: connection refused", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const port = closed.port;
    closed.stop(true);
    const report = await probeHost({ address: `127.0.0.1:${port}`, scheme: "http" }, 1000);
    expect(report).toMatchObject({ reachable: false, ready: false, error: "connection refused" });
  });

  test("a host without /health/status is ready but its details are unknown", async () => {
    const report = await probeHost(at(servers.old), 1000);
    expect(report).toMatchObject({ reachable: true, ready: true, version: null, inFlight: null });
  });
});

describe("the status table", () => {
  test("one line per host, the reasons, and a summary; allReady only when all are", async () => {
    const reports = await probeHosts([at(servers.ready), at(servers.draining), at(servers.slow)], 300);
    const table = renderStatusTable(reports).split("\n");
    expect(table[0]).toMatch(/^HOST +REACHABLE +READY +VERSION +UPTIME +IN-FLIGHT +ENCRYPTED +NOTES$/);
    expect(table[1]).toMatch(/^http:\/\/127\.0\.0\.1:\d+ +yes +yes +0\.1\.0 +1h02m +2 +-$/);
    expect(table[2]).toMatch(/ yes +no +0\.1\.0 .* shutting down$/);
    expect(table[3]).toMatch(/ no +no +- +- +- +- +no answer within 300 ms$/);
    expect(table[4]).toBe("3 hosts: 1 ready, 1 unreachable, 1 not ready");
    expect(allReady(reports)).toBe(false);
    expect(allReady(reports.slice(0, 1))).toBe(true);
    expect(allReady([])).toBe(false);
  });

  test("uptime reads at a glance", () => {
    expect([0, 42, 303, 3723, 273_600].map(formatUptime)).toEqual(["0s", "42s", "5m03s", "1h02m", "3d04h"]);
  });
});
