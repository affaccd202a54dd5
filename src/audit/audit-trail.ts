import { closeSync, openSync } from "node:fs";
import { mkdir, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { SecretsKey } from "../iam/secrets-key.ts";
import { tryLockExclusive } from "../runtime/file-lock.ts";
import type { AccessLogEntry } from "./access-log-entry.ts";
import { auditEventOf } from "./audit-event.ts";
import { auditPaths } from "./audit-paths.ts";
import { startShipper, urlForLogs } from "./shipper.ts";
import { startSpoolAdoption } from "./spool-adoption.ts";
import { readSpoolOffset, type SpoolPosition } from "./spool-offset.ts";
import { measurePending, removeDeliveredSegments } from "./spool-reader.ts";
import { listSegments } from "./spool-segments.ts";
import { createSpoolWriter, type SpoolWriter } from "./spool-writer.ts";
import { sealLegacyToken, watchWebhookSettings } from "./webhook-settings.ts";

/** The counters of a host's audit trail, for metrics. */
export interface AuditStats {
  hostId: string;
  enabled: boolean;
  /** Undelivered bytes and events in this host's spool. */
  bytesPending: number;
  eventsPending: number;
  /** Whether the spool is at its bound (new events are dropped). */
  full: boolean;
  eventsRecorded: number;
  /** Events not spooled: the spool was full or could not be written. */
  eventsDropped: number;
  eventsDelivered: number;
  batchesSent: number;
  batchesFailed: number;
  /** Spools of hosts that are gone, taken over and delivered by this host. */
  spoolsAdopted: number;
  lastError?: string;
}

export interface AuditTrail {
  /** The access-log sink: appends the event to the spool before the response goes out. Never throws. */
  record(entry: AccessLogEntry): void;
  stats(): AuditStats;
  /** Stops following the setting and delivering; first delivers what it can within drainMs. */
  close(drainMs?: number): Promise<void>;
}

export type AuditLog = (
  record: { level: "info" | "warn" | "error"; msg: string } & Record<string, unknown>,
) => void;

export interface AuditTrailOptions {
  root: string;
  /** Unseals the webhook's token. */
  secretsKey: SecretsKey;
  /** This host's name in events and the name of its spool; stable across restarts. */
  hostId: string;
  log: AuditLog;
  /** Segments are rotated at this size. Default 8 MiB. */
  segmentBytes?: number;
  /** How often the setting is stat'ed. Default 1 s. */
  settingsIntervalMs?: number;
  /** The first retry's delay. Default 250 ms. */
  retryBaseMs?: number;
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** A spool whose lock is free and that has not changed this long is taken over. Default 5 min. */
  orphanAfterMs?: number;
  /** How often other hosts' spools are looked at. Default 30 s. */
  adoptIntervalMs?: number;
}

/** Takes this host's spool: an flock on `<spool>/lock` held for the life of the process. */
async function claimSpool(paths: ReturnType<typeof auditPaths>, hostId: string, log: AuditLog) {
  for (const id of [hostId, `${hostId}~${process.pid}`]) {
    const dir = paths.spool(id);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const fd = openSync(join(dir, "lock"), "a", 0o600);
    let locked: boolean;
    try {
      locked = tryLockExclusive(fd);
    } catch (e) {
      // A filesystem without flock: the spool is used unlocked (host ids must then be unique).
      log({ level: "warn", msg: "audit spool cannot be locked", hostId, dir, error: String(e) });
      return { dir, lockFd: fd };
    }
    if (locked) return { dir, lockFd: fd };
    closeSync(fd);
    // Expected for a moment during a TLS reload (the draining worker holds it); a spool left
    // behind is adopted and delivered by a live host later.
    log({ level: "warn", msg: "audit spool in use by another process with the same host id", hostId, dir });
  }
  throw new Error(`audit spool of ${hostId} is in use`);
}

/**
 * A host's audit trail: every call becomes one event in the host's own spool under
 * `<root>/.s3dir/audit/spool/<host-id>/`, written synchronously before the response completes, and a
 * shipper delivers the spool to the webhook in batches. While the webhook is off (no setting, or
 * disabled) events are not spooled at all; what was spooled before it went off is still delivered
 * once it is on again.
 */
export async function createAuditTrail(options: AuditTrailOptions): Promise<AuditTrail> {
  const { hostId, log } = options;
  const paths = auditPaths(options.root);
  await mkdir(join(options.root, ".s3dir"), { recursive: true, mode: 0o700 });
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const { dir, lockFd } = await claimSpool(paths, hostId, log);

  const segments = await listSegments(dir);
  // Writing starts a new segment, so that every segment already there is sealed.
  let nextSegment = segments.length > 0 ? segments.at(-1)! + 1 : 1;
  const saved = await readSpoolOffset(dir).catch((e) => {
    // Sending the spool again from its start duplicates events but loses none.
    log({
      level: "error",
      msg: "audit spool offset unreadable, delivering from the start",
      dir,
      error: String(e),
    });
    return undefined;
  });
  const start: SpoolPosition = saved ?? {
    segment: segments[0] ?? nextSegment,
    offset: 0,
  };
  await removeDeliveredSegments(dir, start);
  for (const name of await readdir(dir)) {
    if (/^offset\.json\..*\.tmp$/.test(name)) await unlink(join(dir, name)).catch(() => {});
  }
  const initial = await measurePending(dir, start, nextSegment);

  let bytesPending = initial.bytes;
  let eventsPending = initial.events;
  let full = false;
  let writeFailing = false;
  let eventsRecorded = 0;
  let eventsDropped = 0;
  let droppedWhileFull = 0;
  let eventsDelivered = 0;
  let batchesSent = 0;
  let batchesFailed = 0;
  let lastError: string | undefined;
  let writer: SpoolWriter | undefined;
  let closed = false;

  await sealLegacyToken(paths.settings, options.secretsKey).catch((e) =>
    log({ level: "warn", msg: "audit webhook token not sealed", error: String(e) }),
  );
  const watcher = await watchWebhookSettings(paths.settings, {
    secretsKey: options.secretsKey,
    intervalMs: options.settingsIntervalMs,
    onError: (e) =>
      log({
        level: "error",
        msg: "audit webhook setting unreadable, keeping the previous one",
        error: String(e),
      }),
  });
  const segmentBytes = options.segmentBytes ?? 8 * 1024 * 1024;

  const leaveFullIfRoom = () => {
    const max = watcher.current()?.spoolMaxBytes;
    if (!full || max === undefined || bytesPending > max * 0.9) return;
    full = false;
    log({
      level: "info",
      msg: "audit spool has room again",
      hostId,
      bytesPending,
      eventsDropped: droppedWhileFull,
    });
    droppedWhileFull = 0;
  };

  const shipper = startShipper({
    dir,
    start,
    settings: watcher.current,
    retryBaseMs: options.retryBaseMs,
    fetch: options.fetch,
    callbacks: {
      delivered(events, bytes, sent) {
        bytesPending = Math.max(0, bytesPending - bytes);
        eventsPending = Math.max(0, eventsPending - events);
        eventsDelivered += sent ? events : 0;
        if (sent) batchesSent++;
        leaveFullIfRoom();
      },
      failed(error) {
        batchesFailed++;
        lastError = error;
      },
      log: (level, msg, fields) => log({ level, msg, hostId, ...fields }),
    },
  });
  const adoption = startSpoolAdoption({
    spools: paths.spools,
    own: dir,
    settings: watcher.current,
    orphanAfterMs: options.orphanAfterMs,
    intervalMs: options.adoptIntervalMs,
    retryBaseMs: options.retryBaseMs,
    fetch: options.fetch,
    callbacks: {
      delivered(events, _bytes, sent) {
        eventsDelivered += sent ? events : 0;
        if (sent) batchesSent++;
      },
      failed(error) {
        batchesFailed++;
        lastError = error;
      },
      log: (level, msg, fields) => log({ level, msg, hostId, ...fields }),
    },
  });
  const announce = () => {
    const settings = watcher.current();
    log({
      level: "info",
      msg: settings?.enabled ? "audit webhook enabled" : "audit webhook disabled",
      hostId,
      ...(settings?.enabled ? { url: urlForLogs(settings.url), format: settings.format, spool: dir } : {}),
      bytesPending,
      eventsPending,
    });
  };
  if (watcher.current()?.enabled) announce();
  watcher.onChange(() => {
    announce();
    leaveFullIfRoom();
    shipper.settingsChanged();
  });

  const encoder = new TextEncoder();
  const drop = () => {
    eventsDropped++;
    if (full) droppedWhileFull++;
  };

  return {
    record(entry) {
      const settings = watcher.current();
      if (!settings?.enabled) return;
      eventsRecorded++;
      if (closed) return drop();
      try {
        const line = encoder.encode(`${JSON.stringify(auditEventOf(entry, hostId))}\n`);
        if (bytesPending + line.byteLength > settings.spoolMaxBytes) {
          if (!full) {
            full = true;
            log({
              level: "error",
              msg: "AUDIT SPOOL FULL: new audit events are dropped until the webhook catches up",
              hostId,
              dir,
              bytesPending,
              spoolMaxBytes: settings.spoolMaxBytes,
              eventsDropped: eventsDropped + 1,
            });
          }
          drop();
          return;
        }
        writer ??= createSpoolWriter({ dir, firstSegment: nextSegment, segmentBytes });
        writer.append(line);
        if (writeFailing) {
          writeFailing = false;
          log({ level: "info", msg: "audit spool writable again", hostId, dir });
        }
        bytesPending += line.byteLength;
        eventsPending++;
        shipper.appended(eventsPending);
      } catch (e) {
        drop();
        lastError = e instanceof Error ? e.message : String(e);
        if (writer) {
          // A failed write may leave a torn line: seal the segment so that the tail is skipped.
          nextSegment = writer.activeSegment() + 1;
          try {
            writer.close();
          } catch {}
          writer = undefined;
        }
        if (!writeFailing) {
          writeFailing = true;
          log({
            level: "error",
            msg: "audit spool write failed, events are dropped",
            hostId,
            dir,
            error: lastError,
          });
        }
      }
    },
    stats: () => ({
      hostId,
      enabled: watcher.current()?.enabled ?? false,
      bytesPending,
      eventsPending,
      full,
      eventsRecorded,
      eventsDropped,
      eventsDelivered,
      batchesSent,
      batchesFailed,
      spoolsAdopted: adoption.adopted(),
      ...(lastError === undefined ? {} : { lastError }),
    }),
    async close(drainMs = 2000) {
      if (closed) return;
      closed = true;
      watcher.close();
      await adoption.close();
      await shipper.close(eventsPending > 0 ? drainMs : 0);
      writer?.close();
      closeSync(lockFd);
    },
  };
}
