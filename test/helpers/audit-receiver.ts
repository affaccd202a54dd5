/**
 * An audit webhook receiver for tests that assert who an audit event names: `s3dir audit-webhook
 * enable` points the root's hosts at it (JSON batches), and eventOf() waits for a call's event.
 */
import { s3dirCli } from "./cli.ts";
import type { TestServer } from "./server.ts";
import { waitFor } from "./util.ts";

export type ReceivedAuditEvent = Record<string, unknown> & { requestId: string };

export interface AuditReceiver {
  /** The delivered event of a request id; throws when it has not arrived within timeoutMs. */
  eventOf(requestId: string, timeoutMs?: number): Promise<ReceivedAuditEvent>;
  stop(): Promise<void>;
}

/** The request id of a response, S3's header or the Query protocol's. */
export function requestIdOf(res: Response): string {
  return res.headers.get("x-amz-request-id") ?? res.headers.get("x-amzn-requestid") ?? "";
}

/** Enables the audit webhook of the server's root and waits until the server delivers events. */
export async function startAuditReceiver(server: TestServer): Promise<AuditReceiver> {
  const events = new Map<string, ReceivedAuditEvent>();
  const receiver = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      for (const event of (await req.json()) as ReceivedAuditEvent[]) events.set(event.requestId, event);
      return new Response("ok");
    },
  });
  const enabled = await s3dirCli(
    server.root,
    "audit-webhook",
    "enable",
    "--url",
    `http://127.0.0.1:${receiver.port}/audit`,
    "--format",
    "json",
    "--batch-size",
    "1",
    "--flush-interval",
    "0.1",
  );
  if (enabled.code !== 0) throw new Error(`s3dir audit-webhook enable: ${enabled.stderr}`);
  // Hosts re-stat the setting about once a second: probe until a call's event comes back.
  const seen = await waitFor(
    async () => {
      const id = requestIdOf(await fetch(`${server.endpoint}/`));
      return await waitFor(() => events.has(id), 500, 50);
    },
    10_000,
    0,
  );
  if (!seen) throw new Error("the audit webhook delivered nothing within 10 s");
  return {
    async eventOf(requestId, timeoutMs = 5000) {
      if (!(await waitFor(() => events.has(requestId), timeoutMs, 50)))
        throw new Error(`no audit event for request ${requestId}`);
      return events.get(requestId)!;
    },
    async stop() {
      await s3dirCli(server.root, "audit-webhook", "disable");
      receiver.stop(true);
    },
  };
}
