/**
 * The shared usage ledger of a bucket with a quota: `<bucket state>/quota/ledger`, read and
 * rewritten (temp + rename) only under the cluster-wide flock of `quota/lock`. It holds the
 * bytes the bucket uses as last recounted plus what hosts settled since, and the grants: the
 * headroom each host holds to spend in memory. used + every grant never exceeds the hard
 * quota, so hosts spending their grants concurrently cannot overshoot it together.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { lockExclusive } from "../../runtime/file-lock.ts";
import { errCode, type FsOps, O_CREAT, O_RDWR } from "../../runtime/fs-ops.ts";
import { StorageError } from "../errors.ts";
import { mkdirs } from "../layout/mkdirs.ts";
import type { Layout } from "../layout/paths.ts";
import { randomName } from "../layout/temp-names.ts";
import type { RecountCursor } from "./recount.ts";

const LOCK_TIMEOUT_MS = 10_000;

export interface Grant {
  /** Unspent bytes this host may still write. */
  bytes: number;
  /** Bytes charged but not yet published (an upload in flight) when the host last settled. */
  inflight: number;
  /** When the host last settled (ms); a grant not renewed for long is a dead host's. */
  at: number;
}

export interface Ledger {
  /** Bytes used: the last recount plus the net bytes settled since. */
  used: number;
  /** Bumped by every recount: frees counted before it are not subtracted again. */
  gen: number;
  /** Sum of every positive settlement ever (a recount adds what was added during its scan). */
  added: number;
  grants: Record<string, Grant>;
  /**
   * A recount under way: who works it ("" between slices: any host may go on), since when (the
   * last slice), `added` and the in-flight bytes when it began, the bytes counted so far and
   * where the next slice starts (recount.ts).
   */
  recount?: {
    host: string;
    at: number;
    added: number;
    inflight: number;
    bytes?: number;
    cursor?: RecountCursor;
  };
  recountedAt?: number;
}

export function ledgerDir(layout: Layout, bucket: string): string {
  return layout.reserved(bucket, "quota");
}

/** Runs change on the bucket's ledger under its lock and writes the ledger back. */
export async function withLedger<T>(
  ops: FsOps,
  layout: Layout,
  bucket: string,
  change: (ledger: Ledger) => T | Promise<T>,
): Promise<T> {
  const dir = ledgerDir(layout, bucket);
  let fd: number;
  try {
    fd = await ops.open(`${dir}/lock`, O_RDWR | O_CREAT, 0o600);
  } catch (e) {
    if (errCode(e) !== "ENOENT") throw e;
    const bst = await ops.lstat(layout.bucket(bucket)).catch(() => undefined);
    if (!bst?.isDirectory()) throw new StorageError("NoSuchBucket");
    await mkdirs(ops, dir);
    fd = await ops.open(`${dir}/lock`, O_RDWR | O_CREAT, 0o600);
  }
  try {
    if (!(await lockExclusive(fd, LOCK_TIMEOUT_MS))) {
      throw new StorageError("ConditionalConflict", "the bucket's quota ledger is busy");
    }
    const ledger = await readLedger(layout, bucket);
    const before = JSON.stringify(ledger);
    let result: T;
    try {
      result = await change(ledger);
    } finally {
      const after = JSON.stringify(ledger);
      if (after !== before) {
        const temp = `${dir}/.${randomName("ledger")}`;
        await writeFile(temp, after, { mode: 0o600 });
        await rename(temp, `${dir}/ledger`);
      }
    }
    return result;
  } finally {
    await ops.close(fd);
  }
}

/** The ledger as stored (a fresh one when none is). */
export async function readLedger(layout: Layout, bucket: string): Promise<Ledger> {
  try {
    const parsed = JSON.parse(await readFile(`${ledgerDir(layout, bucket)}/ledger`, "utf8")) as Ledger;
    parsed.grants ??= {};
    return parsed;
  } catch (e) {
    if (errCode(e) !== "ENOENT" && !(e instanceof SyntaxError)) throw e;
    return { used: 0, gen: 0, added: 0, grants: {} };
  }
}
