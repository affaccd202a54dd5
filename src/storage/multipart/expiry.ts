/**
 * Removing incomplete multipart uploads older than a configured age, by every server on its
 * own. Each host sweeps periodically (at a random offset, so hosts rarely collide); an expired
 * upload is claimed by renaming it into the trash, so whichever host gets there first removes
 * it and the others skip it. The age comes from the upload id (its creation time), so a sweep
 * reads no upload.json. The sweep also clears what crashed processes left behind: trash entries,
 * half-created uploads in staging, and claims in `completing/` that name no claimant (made by
 * older versions) once older than STALE_CLAIM_MS.
 */

import { errCode } from "../../runtime/fs-ops.ts";
import type { StoreContext } from "../context.ts";
import { bucketNames } from "../layout/bucket-names.ts";
import { startPeriodicSweep } from "../sweeps/periodic.ts";
import { COMPLETED_KEEP_MS } from "./completed.ts";
import { isValidUploadId, uploadIdTime } from "./paths.ts";
import type { Uploads } from "./uploads.ts";

export const DEFAULT_UPLOAD_EXPIRY_MS = 7 * 24 * 3600 * 1000;
/** A claim that names no claimant, still there after this long, died with its Complete. */
export const STALE_CLAIM_MS = 6 * 3600 * 1000;
const STALE_LEFTOVER_MS = 3600 * 1000;

export interface SweepResult {
  expired: number;
  leftovers: number;
}

export async function sweepUploads(
  ctx: StoreContext,
  uploads: Uploads,
  maxAgeMs: number,
  now = Date.now(),
): Promise<SweepResult> {
  const { ops, layout } = ctx;
  const result: SweepResult = { expired: 0, leftovers: 0 };
  for (const bucket of await bucketNames(ops, layout)) {
    for (const id of await names(ctx, uploads.paths.uploads(bucket))) {
      if (!isValidUploadId(id) || now - uploadIdTime(id) <= maxAgeMs) continue;
      try {
        await uploads.discard(bucket, id);
        result.expired++;
      } catch {
        // Another host claimed it first (NoSuchUpload), or it is being completed.
      }
    }
    const completing = uploads.paths.completingDir(bucket);
    for (const id of await names(ctx, completing)) {
      // Claims naming their claimant are rolled back once it is dead (../sweeps/dead-writers.ts); an
      // older version's claim names nobody and can only be aged out.
      if (!isValidUploadId(id)) continue;
      if (await olderThan(ctx, `${completing}/${id}`, STALE_CLAIM_MS, now)) {
        await uploads.removeDir(bucket, `${completing}/${id}`, id);
        result.leftovers++;
      }
    }
    const trash = uploads.paths.trash(bucket);
    for (const name of await names(ctx, trash)) {
      if (await olderThan(ctx, `${trash}/${name}`, STALE_LEFTOVER_MS, now)) {
        await uploads.removeDir(bucket, `${trash}/${name}`, name.slice(0, 44));
        result.leftovers++;
      }
    }
    const completed = ctx.layout.reserved(bucket, "completed");
    for (const id of await names(ctx, completed)) {
      if (await olderThan(ctx, `${completed}/${id}`, COMPLETED_KEEP_MS, now)) {
        await ctx.ops.unlink(`${completed}/${id}`).catch(() => {});
      }
    }
    const staging = uploads.paths.staging(bucket);
    for (const name of await names(ctx, staging)) {
      if (!name.startsWith("upload-")) continue;
      if (await olderThan(ctx, `${staging}/${name}`, STALE_LEFTOVER_MS, now)) {
        await uploads.removeDir(bucket, `${staging}/${name}`, "");
        result.leftovers++;
      }
    }
  }
  return result;
}

async function names(ctx: StoreContext, dir: string): Promise<string[]> {
  try {
    return (await ctx.ops.readdir(dir)).map((d) => d.name);
  } catch (e) {
    if (errCode(e) === "ENOENT" || errCode(e) === "ENOTDIR") return [];
    throw e;
  }
}

/** By the later of mtime and ctime (a rename sets ctime: when it was claimed). */
async function olderThan(ctx: StoreContext, path: string, ms: number, now: number): Promise<boolean> {
  const st = await ctx.ops.lstat(path).catch(() => undefined);
  if (!st) return false;
  const changed = Math.max(Number(st.ctimeNs / 1_000_000n), Number(st.mtimeNs / 1_000_000n));
  return now - changed > ms;
}

export interface ExpiryOptions {
  maxAgeMs: number;
  /** How often each host sweeps; default half the age, between 1 s and 1 h. */
  intervalMs?: number;
  onError?: (error: unknown) => void;
  onSweep?: (result: SweepResult) => void;
}

/** Starts periodic sweeps; returns stop. */
export function startUploadExpiry(ctx: StoreContext, uploads: Uploads, options: ExpiryOptions): () => void {
  const interval = options.intervalMs ?? Math.min(3600_000, Math.max(1000, options.maxAgeMs / 2));
  return startPeriodicSweep({
    intervalMs: interval,
    firstWithinMs: Math.min(interval, 60_000),
    sweep: () => sweepUploads(ctx, uploads, options.maxAgeMs),
    worthReporting: (r) => r.expired + r.leftovers > 0,
    onSweep: options.onSweep,
    onError: options.onError,
  });
}
