import type { AuditEvent } from "./audit-event.ts";
import { encodeBatch } from "./delivery-format.ts";
import { type SpoolPosition, writeSpoolOffset } from "./spool-offset.ts";
import { readSpoolBatch, removeDeliveredSegments, type SpoolBatch } from "./spool-reader.ts";
import type { WebhookSettings } from "./webhook-settings.ts";

export interface ShipperCallbacks {
  /** A batch was acknowledged (or skipped as unreadable): its events and bytes left the spool. */
  delivered(events: number, bytes: number, sent: boolean): void;
  failed(error: string): void;
  /** Everything in the spool is delivered (called each time the shipper finds nothing to send). */
  idle?(): void;
  log(level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>): void;
}

export interface ShipperOptions {
  dir: string;
  /** The acknowledged position to resume from. */
  start: SpoolPosition;
  settings: () => WebhookSettings | undefined;
  callbacks: ShipperCallbacks;
  /** The first retry waits about this long; each further one twice as long, up to maxBackoffMs. */
  retryBaseMs?: number;
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

export interface Shipper {
  /** Tells the shipper that events were appended; `pending` is the number not yet delivered. */
  appended(pending: number): void;
  /** The setting changed: stop waiting out a backoff or an idle interval. */
  settingsChanged(): void;
  /** Stops; with drainMs, first delivers what it can within that time. */
  close(drainMs?: number): Promise<void>;
}

/** A webhook URL without user info or query string (either may carry a credential). */
export function urlForLogs(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(invalid url)";
  }
}

type WakeReason = "append" | "full" | "settings" | "close";

/**
 * Sends a spool to the webhook in batches, one request at a time, off the request path. A batch is
 * acknowledged by a 2xx answer; only then does the offset file move past it. A failure (no answer,
 * timeout, non-2xx) is retried with exponential backoff and jitter, so delivery is at-least-once:
 * a batch whose answer was lost is sent again, with the same request ids.
 */
export function startShipper(options: ShipperOptions): Shipper {
  const { dir, callbacks } = options;
  const doFetch = options.fetch ?? ((url, init) => fetch(url, init));
  const retryBaseMs = options.retryBaseMs ?? 250;
  let position = options.start;
  let stopped = false;
  let draining = false;
  let failures = 0;
  /** When the shipper first saw a partial batch that it is holding back. */
  let partialSince: number | undefined;
  let inFlight: AbortController | undefined;
  let waiter: { wakeOn: Set<WakeReason>; resolve: () => void } | undefined;
  let drained: (() => void) | undefined;

  const wake = (reason: WakeReason) => {
    if (waiter?.wakeOn.has(reason)) {
      const { resolve } = waiter;
      waiter = undefined;
      resolve();
    }
  };
  const sleep = (ms: number, wakeOn: WakeReason[]) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        waiter = undefined;
        resolve();
      }, ms);
      waiter = {
        wakeOn: new Set([...wakeOn, "close"]),
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });

  const commit = async (batch: SpoolBatch, sent: boolean) => {
    const segmentChanged = batch.next.segment !== position.segment;
    await writeSpoolOffset(dir, batch.next);
    position = batch.next;
    if (segmentChanged) await removeDeliveredSegments(dir, position);
    callbacks.delivered(batch.lines.length, batch.bytes, sent);
  };

  const parse = (lines: string[]): AuditEvent[] => {
    const events: AuditEvent[] = [];
    for (const line of lines) {
      try {
        events.push(JSON.parse(line) as AuditEvent);
      } catch {
        callbacks.log("error", "audit spool line unreadable, skipped", { dir, bytes: line.length });
      }
    }
    return events;
  };

  const deliver = async (settings: WebhookSettings, events: AuditEvent[]): Promise<string | undefined> => {
    const { body, headers } = encodeBatch(settings.format, events, settings.authToken, {
      layout: settings.layout,
      deploymentId: settings.deploymentId,
    });
    const abort = new AbortController();
    inFlight = abort;
    const timer = setTimeout(() => abort.abort(), settings.timeoutMs);
    try {
      const response = await doFetch(settings.url, { method: "POST", headers, body, signal: abort.signal });
      await response.arrayBuffer().catch(() => {});
      return response.ok ? undefined : `status ${response.status}`;
    } catch (e) {
      if (abort.signal.aborted) return stopped ? "stopped" : `no answer within ${settings.timeoutMs} ms`;
      return e instanceof Error ? e.message : String(e);
    } finally {
      clearTimeout(timer);
      inFlight = undefined;
    }
  };

  const backoffMs = (settings: WebhookSettings) => {
    const ceiling = Math.min(settings.maxBackoffMs, retryBaseMs * 2 ** Math.min(failures - 1, 30));
    return Math.max(10, Math.round(ceiling * (0.5 + Math.random() / 2)));
  };

  let lastFailureLog = 0;
  const fail = async (settings: WebhookSettings, error: string) => {
    failures++;
    callbacks.failed(error);
    // Said once when delivery starts failing, then at most once a minute while it goes on.
    if (failures === 1 || Date.now() - lastFailureLog >= 60_000) {
      lastFailureLog = Date.now();
      callbacks.log("warn", "audit delivery failing, retrying", {
        url: urlForLogs(settings.url),
        error,
        failedAttempts: failures,
      });
    }
    await sleep(backoffMs(settings), ["settings"]);
  };

  const step = async () => {
    const settings = options.settings();
    if (!settings?.enabled) {
      drained?.();
      await sleep(1000, ["settings"]);
      return;
    }
    const batch = await readSpoolBatch(dir, position, {
      maxLines: settings.batchSize,
      ...(settings.batchMaxBytes ? { maxBytes: settings.batchMaxBytes } : {}),
    });
    if (batch.tornBytes > 0)
      callbacks.log("error", "audit spool segment ended in a torn line, skipped", {
        dir,
        bytes: batch.tornBytes,
      });
    if (batch.lines.length === 0) {
      if (batch.bytes > 0 || batch.next.segment !== position.segment) return await commit(batch, false);
      drained?.();
      callbacks.idle?.();
      if (stopped) return;
      await sleep(settings.flushIntervalMs, ["append", "settings"]);
      return;
    }
    if (!batch.more && !draining) {
      // A partial batch waits up to the flush interval for more events.
      partialSince ??= Date.now();
      const wait = partialSince + settings.flushIntervalMs - Date.now();
      if (wait > 0) return await sleep(wait, ["full", "settings"]);
    }
    const events = parse(batch.lines);
    const error = events.length === 0 ? undefined : await deliver(settings, events);
    if (stopped) return;
    if (error !== undefined) return await fail(settings, error);
    partialSince = undefined;
    if (failures > 0)
      callbacks.log("info", "audit delivery recovered", {
        url: urlForLogs(settings.url),
        failedAttempts: failures,
      });
    failures = 0;
    await commit(batch, events.length > 0);
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        await step();
      } catch (e) {
        callbacks.log("error", "audit shipper error", {
          dir,
          error: e instanceof Error ? e.message : String(e),
        });
        if (!stopped) await sleep(1000, ["settings"]);
      }
    }
  })();

  return {
    appended(pending) {
      wake("append");
      const batchSize = options.settings()?.batchSize ?? Number.POSITIVE_INFINITY;
      if (pending >= batchSize) wake("full");
    },
    settingsChanged() {
      failures = failures > 0 ? 1 : 0;
      wake("settings");
    },
    async close(drainMs = 0) {
      if (drainMs > 0 && !stopped) {
        draining = true;
        const done = new Promise<void>((resolve) => {
          drained = resolve;
        });
        wake("full");
        wake("append");
        await Promise.race([done, new Promise((resolve) => setTimeout(resolve, drainMs))]);
      }
      stopped = true;
      inFlight?.abort();
      wake("close");
      await loop;
    },
  };
}
