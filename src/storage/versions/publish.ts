/**
 * Publishing into a versioned bucket (Enabled or Suspended). Under the key's cluster-wide lock
 * (../layout/key-lock.ts), so that two writers of one key, on any hosts, each keep the version
 * they replace: open the current file, check the write conditions against it, give the new
 * version its id (above the current one's), record it on the temp file, link the current file
 * into the versions store (history.ts), then rename the temp file over the path. Readers see the
 * old file or the new one, never a gap; a crash between link and rename leaves an entry with
 * the current file's id, which is no noncurrent version (history.ts).
 *
 * Enabled: the new version gets a fresh id and the current one is kept, whatever its id.
 * Suspended: the new version is the `null` version; a current version with another id is kept,
 * a `null` one is replaced, and a kept `null` version (noncurrent) is removed, as in S3.
 *
 * A write that reserved its id when it began (reserve.ts, FinishedTemp.versionId) is published
 * under that id, in the state the bucket had then. When a write that began later has become
 * current meanwhile (a higher id: a file or a delete marker), the reserved version is only
 * linked into the versions store, as the noncurrent version its id makes it.
 *
 * Object lock (Enabled buckets with a lock configuration, ../lock/): the new version's record
 * carries its retention (asked for, or the bucket's default) and legal hold; a locked one is
 * made 0444 before it is placed, then linked into the versions store and protected at its
 * path (../lock/protect.ts). A current version under the immutable flag is released from it
 * just before it is moved aside (it stays locked as a noncurrent version).
 */
import { fchmodSync } from "node:fs";
import type { StoreContext } from "../context.ts";
import { lockError, StorageError } from "../errors.ts";
import { withKeyLock } from "../layout/key-lock.ts";
import { LOCKED_MODE } from "../lock/protect.ts";
import { lockForWrite } from "../lock/rules.ts";
import { mtimeDate } from "../metadata/describe.ts";
import { identityOf, makeRecord } from "../metadata/record.ts";
import { syncFile } from "../objects/group-sync.ts";
import type { FinishedTemp, Publisher } from "../objects/publish.ts";
import { checkEtag } from "../objects/publish.ts";
import type { PutObjectResult, WriteConditions } from "../types.ts";
import { type CurrentFile, openCurrent } from "./current.ts";
import { entryName, type HistoryEntry, keepVersion, readHistory, removeEntry } from "./history.ts";
import { NULL_VERSION, newVersionId, versionIdAt } from "./ids.ts";
import type { VersioningState } from "./state.ts";

export async function publishVersioned(
  ctx: StoreContext,
  publisher: Publisher,
  bucket: string,
  key: string,
  temp: FinishedTemp,
  bucketState: Exclude<VersioningState, "Unversioned">,
  cond?: WriteConditions,
): Promise<PutObjectResult> {
  const { ops, layout, meta, describer } = ctx;
  // A reserved id (reserve.ts) was chosen in the state the bucket had when the write began.
  const reserved = temp.versionId;
  const state = reserved === undefined ? bucketState : reserved === NULL_VERSION ? "Suspended" : "Enabled";
  // Object lock needs versioning Enabled; only then is its (cached) configuration asked for.
  const lockConfig = state === "Enabled" ? await ctx.locks.get(bucket) : undefined;
  if (temp.lock && !lockConfig) throw lockError("MissingLockConfiguration");
  return withKeyLock(ops, layout, bucket, key, async () => {
    const current = await openCurrent(ctx, bucket, key);
    let released = false;
    let placed = false;
    try {
      const t = { bucketPath: layout.bucket(bucket), key };
      if (cond?.ifNoneMatch === "*" && current) throw new StorageError("PreconditionFailed", `${key} exists`);
      if (cond?.ifMatch !== undefined) {
        if (!current) throw new StorageError("NoSuchKey");
        checkEtag(await describer.currentEtag(current.fd, current.st, t), cond);
      }
      const versionId = state === "Enabled" ? (reserved ?? newVersionId(current?.versionId)) : NULL_VERSION;
      const lock = lockConfig ? lockForWrite(temp.lock, lockConfig.defaultRetention) : undefined;
      const st = await ops.fstat(temp.fd);
      const rec = makeRecord(identityOf(st), temp.etag, temp.attributes, {
        partsCount: temp.partsCount,
        parts: temp.parts,
        encryption: temp.encryption,
        versionId,
        lock,
      });
      await meta.writeFd(temp.fd, t, rec);
      if (lock) fchmodSync(temp.fd, LOCKED_MODE);
      if (ctx.fsync) await syncFile(temp.fd);
      const result: PutObjectResult = {
        etag: temp.etag,
        size: temp.encryption ? temp.encryption.p : Number(st.size),
        lastModified: mtimeDate(st),
        versionId,
      };
      if (temp.attributes.checksum) result.checksum = temp.attributes.checksum;
      if (temp.encryption) result.encryption = temp.encryption;
      if (lock) result.lock = lock;
      if (
        state === "Enabled" &&
        reserved !== undefined &&
        (await overtaken(ctx, bucket, key, current, reserved))
      ) {
        await keepVersion(ctx, bucket, key, temp.fd, st, entryName(versionId, versionId, false));
        await ops.close(temp.fd);
        temp.fd = -1;
        await ops.unlink(temp.path);
        return result;
      }
      // A locked version keeps its descriptor until it is linked and protected at its path.
      const lockedFd = lock ? temp.fd : undefined;
      if (!lock) await ops.close(temp.fd);
      temp.fd = -1;
      try {
        // Kept `null` versions and their place matter only around a `null` version.
        const nulls = state === "Suspended" || current?.versionId === NULL_VERSION;
        const history = nulls ? await readHistory(ctx, bucket, key) : [];
        const staleNulls = history.filter((e) => e.versionId === NULL_VERSION);
        if (current && lockConfig) released = ctx.guard.release(current.fd);
        if (current && (state === "Enabled" || current.versionId !== NULL_VERSION)) {
          if (current.versionId === NULL_VERSION) {
            for (const e of staleNulls) await removeEntry(ctx, bucket, key, e);
          }
          await keepCurrent(ctx, bucket, key, current, history);
          await ctx.pause?.("version-kept");
        }
        await publisher.place(bucket, key, temp.path, undefined, temp.owner);
        placed = true;
        // A `null` current version that was not kept is gone: its bytes are free at once.
        if (current && state === "Suspended" && current.versionId === NULL_VERSION) {
          await ctx.quota.freed(bucket, Number(current.st.size));
        }
        if (lockedFd !== undefined) {
          await keepVersion(ctx, bucket, key, lockedFd, st, entryName(versionId, versionId, false));
          ctx.guard.protect(lockedFd, st);
        }
        if (state === "Suspended") for (const e of staleNulls) await removeEntry(ctx, bucket, key, e);
      } finally {
        if (lockedFd !== undefined) await ops.close(lockedFd);
      }
      return result;
    } finally {
      if (current) {
        // A failed write leaves the current version as protected as it was.
        if (released && !placed) ctx.guard.setImmutable(current.fd, true);
        await ops.close(current.fd);
      }
    }
  });
}

/**
 * True when a version reserved before its work began (reserve.ts) is no longer the newest: a
 * write that began later (a higher id) became current meanwhile, a file or a delete marker.
 * A `null` current version, whose place comes from its mtime, never outranks a reservation.
 */
async function overtaken(
  ctx: StoreContext,
  bucket: string,
  key: string,
  current: CurrentFile | undefined,
  reserved: string,
): Promise<boolean> {
  if (current) return current.versionId !== NULL_VERSION && current.versionId >= reserved;
  const newest = (await readHistory(ctx, bucket, key))[0];
  return newest?.deleteMarker === true && newest.sortId >= reserved;
}

/**
 * Links the current file into the versions store as a noncurrent version. A `null` current
 * version is filed under an id made from its mtime, placed above every kept entry (it is the
 * newest of them).
 */
export async function keepCurrent(
  ctx: StoreContext,
  bucket: string,
  key: string,
  current: CurrentFile,
  history: HistoryEntry[],
): Promise<string> {
  let sortId = current.versionId;
  if (sortId === NULL_VERSION) {
    const newest = history.find((e) => e.versionId !== NULL_VERSION);
    sortId = versionIdAt(Number(current.st.mtimeNs / 1_000_000n), newest?.sortId);
  }
  await keepVersion(ctx, bucket, key, current.fd, current.st, entryName(sortId, current.versionId, false));
  return sortId;
}
