/**
 * The periodic sweep of what dead processes left behind, run by every host: in each bucket, the
 * temp files of dead writers (one readdir of the staging area) and Completes whose claimant
 * died (one readdir of completing/, rolled back to uploads/), serving links older than a minute;
 * then the leases of dead writers.
 * A writer is dead when its lease is unlocked or gone (writer-lease.ts), so a live upload or
 * Complete, on any host, is never touched, and a dead host's leftovers go within one interval.
 */

import type { StoreContext } from "../context.ts";
import { bucketNames } from "../layout/bucket-names.ts";
import type { Uploads } from "../multipart/uploads.ts";
import { removeDeadTemps } from "./dead-temps.ts";
import { startPeriodicSweep } from "./periodic.ts";
import { removeStaleServeLinks } from "./stale-temps.ts";
import { WriterLiveness } from "./writer-lease.ts";

export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

export interface DeadWriterSweepResult {
  temps: number;
  claims: number;
  leases: number;
  /** Serving links a dead host did not remove (they hold deleted objects' space). */
  links: number;
}

export async function sweepDeadWriters(
  ctx: StoreContext,
  uploads: Uploads,
  now = Date.now(),
): Promise<DeadWriterSweepResult> {
  const { ops, layout } = ctx;
  const liveness = new WriterLiveness(ops, layout);
  const result: DeadWriterSweepResult = { temps: 0, claims: 0, leases: 0, links: 0 };
  for (const bucket of await bucketNames(ops, layout)) {
    result.temps += await removeDeadTemps(ctx, bucket, liveness);
    result.claims += await uploads.recoverClaims(bucket, undefined, liveness);
    result.links += await removeStaleServeLinks(layout, bucket, now);
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

/** Starts the periodic sweep; returns stop. */
export function startDeadWriterSweep(
  ctx: StoreContext,
  uploads: Uploads,
  options: DeadWriterSweepOptions,
): () => void {
  const interval = Math.max(100, options.intervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
  return startPeriodicSweep({
    intervalMs: interval,
    firstWithinMs: interval,
    sweep: () => sweepDeadWriters(ctx, uploads),
    worthReporting: (r) => r.temps + r.claims + r.leases + r.links > 0,
    onSweep: options.onSweep,
    onError: options.onError,
  });
}
