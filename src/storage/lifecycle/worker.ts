/**
 * The lifecycle expiry worker, run by every host: every tick it visits the buckets in turn and
 * works those whose lease it gets (bucket-pass.ts). Hosts share the work bucket by bucket, and
 * a bucket whose host died is taken over at the next tick of another from its saved cursor.
 */
import type { StoreContext } from "../context.ts";
import type { ObjectStore } from "../object-store.ts";
import { visitBucket } from "./bucket-pass.ts";
import type { LifecycleEvent, PassReport } from "./events.ts";
import { Pacer } from "./pacer.ts";
import type { LifecycleRule } from "./types.ts";

export const LIFECYCLE_DEFAULTS = {
  intervalMs: 3_600_000,
  pageSize: 500,
  pauseMs: 100,
  deletesPerSecond: 100,
  sliceMs: 60_000,
} as const;

export interface LifecycleWorkerOptions {
  /** Minimum time from the end of a pass over a bucket to the next. Default 1 h. */
  intervalMs?: number;
  /** Versions or uploads listed per step (1…1000). Default 500. */
  pageSize?: number;
  /** Pause between two steps. Default 100 ms. */
  pauseMs?: number;
  /** Deletions per second, at most, by this host. Default 100. */
  deletesPerSecond?: number;
  /** A host gives a bucket up after working it this long, so that other buckets get their turn. */
  sliceMs?: number;
  /** Each deletion or aborted upload (the host sends it to the audit trail). */
  onEvent?: (event: LifecycleEvent) => void;
  /** Each finished pass over a bucket. */
  onPass?: (report: PassReport) => void;
  onError?: (error: unknown, bucket: string) => void;
}

export interface LifecycleWorkerDeps {
  ctx: StoreContext;
  store: ObjectStore;
  rulesOf: (bucket: string) => Promise<LifecycleRule[]>;
}

/** Starts the worker; the returned stop ends the visit under way (its lease released) before resolving. */
export function startLifecycleWorker(
  deps: LifecycleWorkerDeps,
  options: LifecycleWorkerOptions,
): () => Promise<void> {
  const intervalMs = Math.max(100, options.intervalMs ?? LIFECYCLE_DEFAULTS.intervalMs);
  const pacer = new Pacer(
    Math.max(0, options.pauseMs ?? LIFECYCLE_DEFAULTS.pauseMs),
    options.deletesPerSecond ?? LIFECYCLE_DEFAULTS.deletesPerSecond,
  );
  const passDeps = {
    ...deps,
    pacer,
    intervalMs,
    pageSize: Math.min(1000, Math.max(1, options.pageSize ?? LIFECYCLE_DEFAULTS.pageSize)),
    sliceMs: options.sliceMs ?? LIFECYCLE_DEFAULTS.sliceMs,
    onEvent: options.onEvent ?? (() => {}),
    onPass: options.onPass ?? (() => {}),
  };
  // How soon a new rule, or a bucket whose host died, is picked up.
  const tickMs = Math.min(60_000, Math.max(100, intervalMs / 2));
  let running: Promise<void> | undefined;
  const run = async () => {
    for (const { name } of await deps.store.listBuckets()) {
      if (pacer.isStopped) return;
      await visitBucket(passDeps, name).catch((e) => options.onError?.(e, name));
    }
  };
  const tick = () => {
    if (running || pacer.isStopped) return;
    running = run()
      .catch((e) => options.onError?.(e, ""))
      .finally(() => {
        running = undefined;
      });
  };
  // Hosts started together begin at different moments.
  const first = setTimeout(tick, Math.random() * tickMs);
  const timer = setInterval(tick, tickMs);
  first.unref?.();
  timer.unref?.();
  return async () => {
    pacer.stop();
    clearTimeout(first);
    clearInterval(timer);
    await running;
  };
}
