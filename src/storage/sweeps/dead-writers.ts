/**
 * The periodic sweep of what dead processes left behind, run by every host: in each bucket, the
 * temp files of dead writers (one readdir of the staging area) and Completes whose claimant
 * died (one readdir of completing/, rolled back to uploads/); then the leases of dead writers.
 * A writer is dead when its lease is unlocked or gone (writer-lease.ts), so a live upload or
 * Complete, on any host, is never touched, and a dead host's leftovers go within one interval.
 */
import type { StoreContext } from "../context.ts";
import { isValidBucketName } from "../layout/keys.ts";
import type { Uploads } from "../multipart/uploads.ts";
import { removeDeadTemps } from "./dead-temps.ts";
import { WriterLiveness } from "./writer-lease.ts";

export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

export interface DeadWriterSweepResult {
  temps: number;
  claims: number;
  leases: number;
}

export async function sweepDeadWriters(ctx: StoreContext, uploads: Uploads): Promise<DeadWriterSweepResult> {
  const { ops, layout } = ctx;
  const liveness = new WriterLiveness(ops, layout);
  const result: DeadWriterSweepResult = { temps: 0, claims: 0, leases: 0 };
  for (const b of await ops.readdir(layout.root)) {
    if (!b.isDirectory() || !isValidBucketName(b.name)) continue;
    result.temps += await removeDeadTemps(ctx, b.name, liveness);
    result.claims += await uploads.recoverClaims(b.name, undefined, liveness);
  }
  await liveness.removeDeadLeases();
  result.leases = liveness.leasesRemoved;
  return result;
}

export interface DeadWriterSweepOptions {
  /** How often this host sweeps. Default DEFAULT_SWEEP_INTERVAL_MS. */
  intervalMs?: number;
  onSweep?: (result: DeadWriterSweepResult) => void;
  onError?: (error: unknown) => void;
}

/** Starts the periodic sweep (timers unref'd); returns stop. */
export function startDeadWriterSweep(
  ctx: StoreContext,
  uploads: Uploads,
  options: DeadWriterSweepOptions,
): () => void {
  const interval = Math.max(100, options.intervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
  let running = false;
  let stopped = false;
  const run = async () => {
    if (running || stopped) return;
    running = true;
    try {
      const result = await sweepDeadWriters(ctx, uploads);
      if (result.temps + result.claims + result.leases > 0) options.onSweep?.(result);
    } catch (e) {
      options.onError?.(e);
    } finally {
      running = false;
    }
  };
  // Hosts started together sweep at different moments.
  const first = setTimeout(run, Math.random() * interval);
  const timer = setInterval(run, interval);
  first.unref();
  timer.unref();
  return () => {
    stopped = true;
    clearTimeout(first);
    clearInterval(timer);
  };
}
