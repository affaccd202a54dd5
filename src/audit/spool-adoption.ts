import { closeSync, fstatSync, openSync } from "node:fs";
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { tryLockExclusive } from "../runtime/file-lock.ts";
import { type Shipper, type ShipperCallbacks, startShipper } from "./shipper.ts";
import { readSpoolOffset } from "./spool-offset.ts";
import { listSegments } from "./spool-segments.ts";
import type { WebhookSettings } from "./webhook-settings.ts";

export interface AdoptionOptions {
  /** The parent of every host's spool. */
  spools: string;
  /** This host's own spool, never adopted. */
  own: string;
  settings: () => WebhookSettings | undefined;
  callbacks: ShipperCallbacks;
  /** A spool untouched this long whose lock is free belongs to a host that is gone. Default 5 min. */
  orphanAfterMs?: number;
  /** How often the spools are looked at. Default 30 s. */
  intervalMs?: number;
  retryBaseMs?: number;
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** Called after each look at the spools. */
  scanned?: () => void;
}

export interface Adoption {
  /** Spools taken over so far. */
  adopted(): number;
  close(): Promise<void>;
}

/** The newest mtime among a spool's files (its last event, offset or lock). */
async function lastActivity(dir: string): Promise<number> {
  let latest = (await stat(dir)).mtimeMs;
  for (const name of await readdir(dir)) {
    const s = await stat(join(dir, name)).catch(() => undefined);
    if (s && s.mtimeMs > latest) latest = s.mtimeMs;
  }
  return latest;
}

/** Whether the file open on fd is still the one at path (not removed or replaced). */
async function stillAt(fd: number, path: string): Promise<boolean> {
  const held = fstatSync(fd);
  const now = await stat(path).catch(() => undefined);
  return now !== undefined && now.ino === held.ino && now.dev === held.dev;
}

/**
 * Delivers the spools of hosts that are gone (renamed, scaled down): a spool whose lock no process
 * holds and that has not changed for a while is taken over (its lock taken), delivered to the end,
 * and removed. A host that comes back in time finds its own spool and resumes it itself.
 */
export function startSpoolAdoption(options: AdoptionOptions): Adoption {
  const orphanAfterMs = options.orphanAfterMs ?? 5 * 60_000;
  const active = new Map<string, { shipper: Shipper; lockFd: number }>();
  let adopted = 0;
  let closed = false;
  let scanning: Promise<void> | undefined;

  // Taken out of `active` before the first await: the shipper's idle callback and close() may
  // both release one spool, and only the first may close its lock.
  const release = async (dir: string, remove: boolean) => {
    const taken = active.get(dir);
    if (!taken) return;
    active.delete(dir);
    await taken.shipper.close(0);
    if (remove) await rm(dir, { recursive: true, force: true }).catch(() => {});
    closeSync(taken.lockFd);
  };

  const adopt = async (dir: string) => {
    if (Date.now() - (await lastActivity(dir)) < orphanAfterMs) return;
    // Never created here: its host makes the lock first thing, so a spool without one is being
    // removed by the host that delivered it, and creating it would bring the spool back to life.
    let lockFd: number;
    try {
      lockFd = openSync(join(dir, "lock"), "r+");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    let locked = false;
    try {
      locked = tryLockExclusive(lockFd);
    } catch {
      // No flock on this filesystem: a live host cannot be told from a gone one, so adopt nothing.
    }
    // The spool may have been delivered and removed by another host between our open and lock:
    // then the lock we hold is on a removed file, and there is nothing left to adopt.
    if (!locked || !(await stillAt(lockFd, join(dir, "lock")))) {
      closeSync(lockFd);
      return;
    }
    const segments = await listSegments(dir);
    const start = (await readSpoolOffset(dir).catch(() => undefined)) ?? {
      segment: segments[0] ?? 1,
      offset: 0,
    };
    adopted++;
    options.callbacks.log("info", "audit spool of a host that is gone taken over", { dir });
    let finishing = false;
    const shipper = startShipper({
      dir,
      start,
      settings: options.settings,
      retryBaseMs: options.retryBaseMs,
      fetch: options.fetch,
      callbacks: {
        ...options.callbacks,
        idle() {
          if (finishing) return;
          finishing = true;
          // Delivered to the end: nobody writes here any more.
          void release(dir, true).then(() =>
            options.callbacks.log("info", "audit spool of a host that is gone delivered and removed", {
              dir,
            }),
          );
        },
      },
    });
    active.set(dir, { shipper, lockFd });
  };

  const scan = async () => {
    if (!options.settings()?.enabled) return;
    let names: string[];
    try {
      names = await readdir(options.spools);
    } catch {
      return;
    }
    for (const name of names) {
      const dir = join(options.spools, name);
      if (closed || dir === options.own || active.has(dir)) continue;
      await adopt(dir).catch((e) =>
        options.callbacks.log("warn", "audit spool adoption failed", { dir, error: String(e) }),
      );
    }
  };

  const run = () => {
    if (scanning || closed) return;
    scanning = scan().finally(() => {
      scanning = undefined;
      options.scanned?.();
    });
  };
  const timer = setInterval(run, options.intervalMs ?? 30_000);
  timer.unref();
  run();

  return {
    adopted: () => adopted,
    async close() {
      closed = true;
      clearInterval(timer);
      await scanning;
      for (const dir of [...active.keys()]) await release(dir, false);
    },
  };
}
