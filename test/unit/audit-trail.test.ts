/** The audit trail against a real HTTP receiver: batches, formats, retries, restarts, the bound. */
import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AccessLogEntry } from "../../src/audit/access-log-entry.ts";
import { auditPaths } from "../../src/audit/audit-paths.ts";
import { type AuditLog, type AuditTrail, createAuditTrail } from "../../src/audit/audit-trail.ts";
import { type WebhookSettings, writeWebhookSettings } from "../../src/audit/webhook-settings.ts";
import { loadSecretsKey, type SecretsKey } from "../../src/iam/secrets-key.ts";
import { waitFor } from "../helpers/index.ts";

setDefaultTimeout(60_000);

type Mode = "ok" | "fail" | "stall";

interface Received {
  headers: Headers;
  body: string;
}

function startReceiver() {
  let mode: Mode = "ok";
  const received: Received[] = [];
  const stalled: (() => void)[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 30,
    async fetch(req) {
      const body = await req.text();
      if (mode === "fail") return new Response("down", { status: 500 });
      if (mode === "stall")
        return await new Promise<Response>((resolve) =>
          stalled.push(() => resolve(new Response("late", { status: 503 }))),
        );
      received.push({ headers: req.headers, body });
      return new Response("ok");
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/collector`,
    received,
    set(next: Mode) {
      mode = next;
      for (const release of stalled.splice(0)) release();
    },
    events(): Record<string, unknown>[] {
      return received.flatMap(({ body }) =>
        body.startsWith("[")
          ? (JSON.parse(body) as Record<string, unknown>[])
          : body
              .split("\n")
              .filter(Boolean)
              .map((l) => (JSON.parse(l) as { event: Record<string, unknown> }).event),
      );
    },
    requestIds(): Set<string> {
      return new Set(this.events().map((e) => e.requestId as string));
    },
    stop() {
      this.set("ok");
      server.stop(true);
    },
  };
}

let root: string;
let secretsKey: SecretsKey;
let receiver: ReturnType<typeof startReceiver>;
let logs: Record<string, unknown>[];
const trails: AuditTrail[] = [];
const log: AuditLog = (record) => void logs.push(record);

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), "s3dir-audit-trail-"));
  secretsKey = await loadSecretsKey(root, {});
  receiver = startReceiver();
  logs = [];
});
afterEach(async () => {
  for (const trail of trails.splice(0)) await trail.close(0);
  receiver.stop();
  rmSync(root, { recursive: true, force: true });
});

async function enable(settings: Partial<WebhookSettings> = {}) {
  await writeWebhookSettings(
    auditPaths(root).settings,
    {
      enabled: true,
      url: receiver.url,
      format: "splunk",
      batchSize: 10,
      flushIntervalMs: 50,
      timeoutMs: 500,
      maxBackoffMs: 200,
      spoolMaxBytes: 1 << 30,
      updated: new Date().toISOString(),
      ...settings,
    },
    secretsKey,
  );
}

async function trail(
  hostId = "host-a:9000",
  segmentBytes = 4096,
  orphanAfterMs?: number,
): Promise<AuditTrail> {
  const t = await createAuditTrail({
    root,
    secretsKey,
    hostId,
    log,
    segmentBytes,
    settingsIntervalMs: 50,
    retryBaseMs: 20,
    orphanAfterMs,
    adoptIntervalMs: 100,
  });
  trails.push(t);
  return t;
}

let counter = 0;
function entry(overrides: Partial<AccessLogEntry> = {}): AccessLogEntry {
  counter++;
  return {
    time: new Date().toISOString(),
    requestId: `req-${counter}-${crypto.randomUUID().slice(0, 8)}`,
    remoteIp: "10.0.0.7",
    principal: "alice",
    principalKind: "user",
    accessKeyId: "AKIAALICE",
    operation: "GetObject",
    method: "GET",
    bucket: "photos",
    key: "a/b.jpg",
    status: 200,
    bytesIn: 0,
    bytesOut: 1234,
    durationMs: 1.5,
    userAgent: "test-agent",
    requestHeaders: { range: "bytes=0-9" },
    responseHeaders: { etag: '"abc"' },
    ...overrides,
  };
}

function recordMany(t: AuditTrail, n: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = entry();
    t.record(e);
    ids.push(e.requestId);
  }
  return ids;
}

const allDelivered = (ids: string[]) => () => {
  const got = receiver.requestIds();
  return ids.every((id) => got.has(id));
};

describe("delivery", () => {
  test("splunk HEC lines with the token, in batches; delivered segments are removed", async () => {
    await enable({ authToken: "hec-token-123456" });
    const t = await trail();
    const ids = recordMany(t, 95);
    expect(await waitFor(allDelivered(ids), 10_000)).toBe(true);
    expect(receiver.received.every((r) => r.headers.get("authorization") === "Splunk hec-token-123456")).toBe(
      true,
    );
    expect(receiver.received.length).toBeGreaterThanOrEqual(10);
    const first = JSON.parse(receiver.received[0]!.body.split("\n")[0]!);
    expect(first).toMatchObject({ host: "host-a:9000", source: "s3dir", sourcetype: "s3dir:audit" });
    expect(typeof first.time).toBe("number");
    expect(Math.abs(first.time - Date.now() / 1000)).toBeLessThan(60);
    expect(first.event).toMatchObject({
      host: "host-a:9000",
      principal: { type: "user", user: "alice", accessKeyId: "AKIAALICE" },
      sourceIp: "10.0.0.7",
      operation: "GetObject",
      bucket: "photos",
      key: "a/b.jpg",
      status: 200,
      bytesOut: 1234,
      requestHeaders: { range: "bytes=0-9" },
    });
    expect(await waitFor(() => t.stats().eventsPending === 0)).toBe(true);
    const stats = t.stats();
    expect(stats).toMatchObject({ enabled: true, bytesPending: 0, eventsDropped: 0, eventsDelivered: 95 });
    expect(stats.batchesSent).toBeGreaterThanOrEqual(10);
    const spool = auditPaths(root).spool("host-a:9000");
    expect(spool.endsWith("host-a_9000")).toBe(true);
    expect(statSync(spool).mode & 0o777).toBe(0o700);
    expect(readdirSync(spool).filter((n) => n.endsWith(".jsonl")).length).toBeLessThanOrEqual(1);
  });

  test("json arrays with a bearer token", async () => {
    await enable({ format: "json", authToken: "json-token", batchSize: 5 });
    const t = await trail();
    const ids = recordMany(t, 12);
    expect(await waitFor(allDelivered(ids), 10_000)).toBe(true);
    for (const r of receiver.received) {
      expect(r.headers.get("authorization")).toBe("Bearer json-token");
      const body = JSON.parse(r.body);
      expect(Array.isArray(body)).toBe(true);
      expect(body.length).toBeLessThanOrEqual(5);
    }
  });

  test("a partial batch waits at most the flush interval", async () => {
    await enable({ batchSize: 1000, flushIntervalMs: 300 });
    const t = await trail();
    const started = Date.now();
    const ids = recordMany(t, 3);
    expect(await waitFor(allDelivered(ids), 5000, 10)).toBe(true);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2500);
    expect(receiver.received.length).toBe(1);
  });

  test("a batch bigger than one read is sent at once, not after the flush interval", async () => {
    await enable({ batchSize: 1000, flushIntervalMs: 20_000 });
    const t = await trail("big", 64 * 1024 * 1024);
    const ids: string[] = [];
    for (let i = 0; i < 1500; i++) {
      const e = entry({ userAgent: "u".repeat(2000) });
      t.record(e);
      ids.push(e.requestId);
    }
    expect(await waitFor(allDelivered(ids.slice(0, 1000)), 5000)).toBe(true);
  });

  test("no header that could carry a secret is delivered", async () => {
    await enable();
    const t = await trail();
    const e = entry({
      requestHeaders: {
        authorization: "AWS4-HMAC-SHA256 Credential=x, Signature=deadbeef",
        "x-amz-security-token": "SESSIONTOKEN",
        "content-type": "text/plain",
      },
      responseHeaders: { "set-cookie": "c=1", etag: '"e"' },
    });
    t.record(e);
    expect(await waitFor(allDelivered([e.requestId]))).toBe(true);
    const body = receiver.received.map((r) => r.body).join("\n");
    expect(body).not.toContain("deadbeef");
    expect(body).not.toContain("SESSIONTOKEN");
    expect(body).not.toContain("c=1");
    expect(body).toContain("text/plain");
  });

  test("an anonymous call names an anonymous principal", async () => {
    await enable();
    const t = await trail();
    const e = entry({
      principal: "",
      principalKind: "",
      accessKeyId: "",
      status: 403,
      errorCode: "AccessDenied",
    });
    t.record(e);
    expect(await waitFor(allDelivered([e.requestId]))).toBe(true);
    expect(receiver.events()[0]).toMatchObject({
      principal: { type: "anonymous" },
      errorCode: "AccessDenied",
    });
  });
});

describe("failures", () => {
  test("retries while the receiver fails or stalls, and loses nothing", async () => {
    await enable({ batchSize: 7 });
    const t = await trail();
    receiver.set("fail");
    const ids = recordMany(t, 20);
    expect(await waitFor(() => t.stats().batchesFailed >= 2)).toBe(true);
    receiver.set("stall");
    ids.push(...recordMany(t, 5));
    expect(await waitFor(() => t.stats().batchesFailed >= 4, 10_000)).toBe(true);
    expect(t.stats().lastError).toContain("no answer");
    expect(t.stats().eventsPending).toBe(25);
    receiver.set("ok");
    expect(await waitFor(allDelivered(ids), 10_000)).toBe(true);
    expect(logs.filter((l) => l.msg === "audit delivery failing, retrying").length).toBe(1);
    expect(await waitFor(() => logs.some((l) => l.msg === "audit delivery recovered"))).toBe(true);
  });

  test("a restarted trail resumes from its offset and delivers what the first one spooled", async () => {
    await enable({ batchSize: 4 });
    const first = await trail("pinned-host");
    const delivered = recordMany(first, 8);
    expect(await waitFor(allDelivered(delivered))).toBe(true);
    expect(await waitFor(() => first.stats().eventsPending === 0)).toBe(true);
    receiver.set("fail");
    const pending = recordMany(first, 9);
    await first.close(0);
    trails.splice(trails.indexOf(first), 1);
    const before = receiver.received.length;

    const second = await trail("pinned-host");
    expect(second.stats().eventsPending).toBe(9);
    const later = recordMany(second, 3);
    receiver.set("ok");
    expect(await waitFor(allDelivered([...pending, ...later]), 10_000)).toBe(true);
    // Nothing delivered before the restart is delivered again.
    const afterRestart = receiver.received.slice(before).flatMap((r) =>
      r.body
        .split("\n")
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { event: { requestId: string } }).event.requestId),
    );
    expect(afterRestart.filter((id) => delivered.includes(id))).toEqual([]);
    expect(await waitFor(() => second.stats().eventsPending === 0)).toBe(true);
  });

  test("an unreadable offset file means delivering the spool again from its start", async () => {
    await enable({ batchSize: 3 });
    receiver.set("fail");
    const first = await trail("h");
    const ids = recordMany(first, 5);
    await first.close(0);
    trails.splice(trails.indexOf(first), 1);
    writeFileSync(join(auditPaths(root).spool("h"), "offset.json"), "{torn");
    receiver.set("ok");
    await trail("h");
    expect(await waitFor(allDelivered(ids))).toBe(true);
    expect(logs.some((l) => l.msg === "audit spool offset unreadable, delivering from the start")).toBe(true);
  });

  test("the spool of a host that is gone is taken over by another, delivered and removed", async () => {
    await enable({ batchSize: 4 });
    receiver.set("fail");
    const gone = await trail("gone-host", 300);
    const ids = recordMany(gone, 11);
    await gone.close(0);
    trails.splice(trails.indexOf(gone), 1);
    expect(existsSync(auditPaths(root).spool("gone-host"))).toBe(true);

    // A live host's spool is never taken, however old.
    const live = await trail("live-host", 4096, 0);
    const survivor = await trail("survivor", 4096, 0);
    const own = recordMany(live, 2);
    receiver.set("ok");
    expect(await waitFor(allDelivered([...ids, ...own]), 10_000)).toBe(true);
    expect(await waitFor(() => !existsSync(auditPaths(root).spool("gone-host")), 5000)).toBe(true);
    expect(live.stats().spoolsAdopted + survivor.stats().spoolsAdopted).toBe(1);
    expect(existsSync(auditPaths(root).spool("live-host"))).toBe(true);
    expect(existsSync(auditPaths(root).spool("survivor"))).toBe(true);
    expect(logs.some((l) => l.msg === "audit spool of a host that is gone delivered and removed")).toBe(true);
  });

  test("a full spool says so once, drops new events and counts them, then recovers", async () => {
    await enable({ spoolMaxBytes: 3000 });
    const t = await trail();
    receiver.set("fail");
    const ids = recordMany(t, 40);
    const stats = t.stats();
    expect(stats.full).toBe(true);
    expect(stats.eventsDropped).toBeGreaterThan(0);
    expect(stats.eventsPending + stats.eventsDropped).toBe(40);
    expect(stats.bytesPending).toBeLessThanOrEqual(3000);
    expect(logs.filter((l) => String(l.msg).startsWith("AUDIT SPOOL FULL")).length).toBe(1);
    receiver.set("ok");
    expect(await waitFor(() => !t.stats().full && t.stats().eventsPending === 0, 10_000)).toBe(true);
    expect(logs.some((l) => l.msg === "audit spool has room again")).toBe(true);
    const kept = ids.slice(0, stats.eventsPending);
    expect(await waitFor(allDelivered(kept))).toBe(true);
    const more = recordMany(t, 2);
    expect(await waitFor(allDelivered(more))).toBe(true);
  });
});

describe("the setting", () => {
  test("while off nothing is spooled; enabling starts from new events; disabling stops delivery", async () => {
    const t = await trail();
    recordMany(t, 5);
    expect(t.stats()).toMatchObject({ enabled: false, eventsRecorded: 0, eventsPending: 0 });
    expect(existsSync(auditPaths(root).spool("host-a:9000"))).toBe(true);
    expect(readdirSync(auditPaths(root).spool("host-a:9000")).filter((n) => n.endsWith(".jsonl"))).toEqual(
      [],
    );
    await enable();
    expect(await waitFor(() => t.stats().enabled, 3000)).toBe(true);
    const ids = recordMany(t, 3);
    expect(await waitFor(allDelivered(ids))).toBe(true);
    expect(receiver.events().length).toBe(3);
    await enable({ enabled: false });
    expect(await waitFor(() => !t.stats().enabled, 3000)).toBe(true);
    recordMany(t, 3);
    await Bun.sleep(300);
    expect(receiver.events().length).toBe(3);
  });

  test("a second process with the same host id gets a spool of its own", async () => {
    await enable();
    const a = await trail("same");
    const b = await trail("same");
    const ids = [...recordMany(a, 2), ...recordMany(b, 2)];
    expect(await waitFor(allDelivered(ids))).toBe(true);
    expect(logs.some((l) => String(l.msg).includes("in use by another process"))).toBe(true);
    expect(readdirSync(auditPaths(root).spools).sort()).toEqual(["same", `same_${process.pid}`]);
  });
});
