/**
 * DeleteObject in a versioned bucket, under the key's lock (as publish.ts).
 *
 * Without a version id: Enabled, the current file is linked into the versions store and
 * unlinked from the path, then a delete marker with a fresh id becomes the newest version;
 * Suspended, a current version with an id is kept the same way while a `null` one is removed,
 * any kept `null` version too, and the marker is the `null` one.
 *
 * With a version id, exactly that version or marker is removed. Removing the current version,
 * or the delete marker that is the newest version, makes the newest remaining version current
 * again: its inode is renamed from the versions store back to the key's path (one atomic step,
 * readers see the old file or the restored one); when the newest remaining is a marker, or
 * nothing remains, the path is left empty.
 */

import { type BigStats, errCode, O_NOFOLLOW, O_RDONLY } from "../../runtime/fs-ops.ts";
import type { StoreContext } from "../context.ts";
import { versionError } from "../errors.ts";
import { withKeyLock } from "../layout/key-lock.ts";
import { mkdirs } from "../layout/mkdirs.ts";
import { viaFd } from "../layout/paths.ts";
import { randomName } from "../layout/temp-names.ts";
import { checkDeletable, isLocked } from "../lock/rules.ts";
import type { ObjectLock } from "../lock/types.ts";
import { recordLock, recordMatches } from "../metadata/record.ts";
import type { RecordTarget } from "../metadata/store.ts";
import { type CurrentFile, openCurrent } from "./current.ts";
import {
  addMarker,
  entryName,
  entryTarget,
  type HistoryEntry,
  historyDir,
  pruneHistory,
  readHistory,
  removeEntry,
} from "./history.ts";
import { isVersionId, NULL_VERSION, newVersionId } from "./ids.ts";
import { keepCurrent } from "./publish.ts";
import type { VersioningState } from "./state.ts";

export interface DeleteResult {
  /** The marker made, or the version removed (absent for unversioned buckets). */
  versionId?: string;
  /** True when a marker was made, or the version removed was one. */
  deleteMarker?: boolean;
}

/** Checks a version id from a request: `null` or an id of this store. */
export function checkVersionId(versionId: string): void {
  if (versionId !== NULL_VERSION && !isVersionId(versionId)) {
    throw versionError({ reason: "InvalidVersionId", requested: true, versionId });
  }
}

export class VersionedDeleter {
  constructor(
    private readonly ctx: StoreContext,
    /**
     * Unlinks the file at the key's path and prunes its parents (objects/deleter.ts); free:
     * its bytes leave the bucket's quota usage (false when the version is kept).
     */
    private readonly unlinkCurrent: (bucket: string, key: string, free: boolean) => Promise<void>,
  ) {}

  /** A delete without a version id: a delete marker becomes current. */
  async deleteCurrent(
    bucket: string,
    key: string,
    state: Exclude<VersioningState, "Unversioned">,
  ): Promise<DeleteResult> {
    const { ctx } = this;
    return withKeyLock(ctx.ops, ctx.layout, bucket, key, async () => {
      const history = await readHistory(ctx, bucket, key);
      const current = await openCurrent(ctx, bucket, key);
      let newest = history[0]?.sortId;
      const keep = !!current && (state === "Enabled" || current.versionId !== NULL_VERSION);
      try {
        // A locked current version stays locked as a noncurrent one; only its path is freed.
        if (current && state === "Enabled" && (await ctx.locks.get(bucket))) ctx.guard.release(current.fd);
        if (current && keep) {
          const kept = await keepCurrent(ctx, bucket, key, current, history);
          if (!newest || kept > newest) newest = kept;
        }
      } finally {
        if (current) await ctx.ops.close(current.fd);
      }
      if (current) await this.unlinkCurrent(bucket, key, !keep);
      if (state === "Suspended") {
        for (const e of history) if (e.versionId === NULL_VERSION) await removeEntry(ctx, bucket, key, e);
      }
      const id = newVersionId(newest);
      const versionId = state === "Enabled" ? id : NULL_VERSION;
      await addMarker(ctx, bucket, key, entryName(id, versionId, true));
      return { versionId, deleteMarker: true };
    });
  }

  /**
   * Removes exactly one version or marker; a version id that names nothing is no error. In a
   * bucket with object lock, a locked version is refused (ObjectLocked) unless its retention is
   * GOVERNANCE and bypassGovernance is set (asked for and permitted); markers are never locked.
   */
  async deleteVersion(
    bucket: string,
    key: string,
    versionId: string,
    bypassGovernance = false,
  ): Promise<DeleteResult> {
    checkVersionId(versionId);
    const { ctx } = this;
    const locked = (await ctx.versioning.get(bucket)) === "Enabled" && !!(await ctx.locks.get(bucket));
    return withKeyLock(ctx.ops, ctx.layout, bucket, key, async () => {
      const history = await readHistory(ctx, bucket, key);
      const current = await openCurrent(ctx, bucket, key);
      if (current) {
        try {
          if (locked && current.versionId === versionId) {
            const t = { bucketPath: ctx.layout.bucket(bucket), key };
            checkDeletable(await lockOf(ctx, current.fd, current.st, t), bypassGovernance);
            ctx.guard.release(current.fd);
          }
        } finally {
          await ctx.ops.close(current.fd);
        }
      }
      // Entries with the current file's id are leftovers of a move aside (history.ts).
      const kept = history.filter((e) => e.versionId !== current?.versionId);
      if (current?.versionId === versionId) {
        for (const e of history) if (e.versionId === versionId) await removeEntry(ctx, bucket, key, e);
        await this.removeCurrent(bucket, key, current, kept, locked);
        return { versionId, deleteMarker: false };
      }
      const entry = kept.find((e) => e.versionId === versionId);
      if (!entry) return { versionId };
      if (locked && !entry.deleteMarker) await this.checkKept(bucket, key, entry, bypassGovernance);
      await removeEntry(ctx, bucket, key, entry);
      const rest = kept.filter((e) => e !== entry);
      if (!current && entry === kept[0] && entry.deleteMarker && rest[0] && !rest[0].deleteMarker) {
        await this.restore(bucket, key, rest[0], locked);
      } else if (rest.length === 0) {
        await pruneHistory(ctx, bucket, key);
      }
      return { versionId, deleteMarker: entry.deleteMarker };
    });
  }

  /** Throws ObjectLocked when the kept version may not be deleted. */
  private async checkKept(bucket: string, key: string, e: HistoryEntry, bypassGovernance: boolean) {
    const { ctx } = this;
    const fd = await ctx.ops
      .open(`${historyDir(ctx, bucket, key)}/${e.name}`, O_RDONLY | O_NOFOLLOW)
      .catch(() => undefined);
    if (fd === undefined) return;
    try {
      const st = await ctx.ops.fstat(fd);
      checkDeletable(await lockOf(ctx, fd, st, entryTarget(ctx, bucket, key, e.name)), bypassGovernance);
    } finally {
      await ctx.ops.close(fd);
    }
  }

  private async removeCurrent(
    bucket: string,
    key: string,
    current: CurrentFile,
    kept: HistoryEntry[],
    locked: boolean,
  ) {
    const { ctx } = this;
    const next = kept[0];
    const restorable = next !== undefined && !next.deleteMarker;
    const gen = restorable && !locked ? await ctx.quota.freeing(bucket) : undefined;
    if (next && restorable && (await this.restore(bucket, key, next, locked))) {
      await ctx.meta.forget(current.st.ino, { bucketPath: ctx.layout.bucket(bucket), key }).catch(() => {});
      // The restored version moved (it was counted); a locked one was linked, counted at the next recount.
      if (!locked) await ctx.quota.freed(bucket, Number(current.st.size), gen);
      return;
    }
    await this.unlinkCurrent(bucket, key, true);
    if (kept.length === 0) await pruneHistory(ctx, bucket, key);
  }

  /**
   * Makes a kept version current again: its record (when in a sidecar) is filed for the key,
   * then its inode is renamed over the key's path. False when the path cannot take it (a
   * directory or a file in the way, made through POSIX): it stays noncurrent.
   *
   * In a bucket with object lock the entry stays (an entry with the current version's id is no
   * noncurrent version, history.ts): the inode is linked into the staging area and that link is
   * renamed over the path, so a locked version never lacks its link in the versions store; a
   * locked one is then protected at its path (../lock/protect.ts).
   */
  private async restore(bucket: string, key: string, e: HistoryEntry, locked: boolean): Promise<boolean> {
    const { ctx } = this;
    const { ops, layout, meta, parents } = ctx;
    const path = `${historyDir(ctx, bucket, key)}/${e.name}`;
    const t = { bucketPath: layout.bucket(bucket), key };
    const fd = await ops.open(path, 0).catch(() => undefined);
    if (fd === undefined) return false;
    let lock: ObjectLock | undefined;
    let source = path;
    try {
      const st = await ops.fstat(fd);
      await meta.copyRecord(fd, st, entryTarget(ctx, bucket, key, e.name), t);
      if (locked) {
        lock = await lockOf(ctx, fd, st, t);
        source = `${layout.reserved(bucket, "tmp")}/${randomName("restore")}`;
        await mkdirs(ops, layout.reserved(bucket, "tmp"));
        await ops.link(path, source);
      }
    } finally {
      await ops.close(fd);
    }
    let dfd: number;
    const dropLink = () => (source !== path ? ops.unlink(source).catch(() => {}) : Promise.resolve());
    try {
      dfd = await parents.open(bucket, key);
    } catch {
      await dropLink();
      return false;
    }
    const target = viaFd(dfd, key.slice(key.lastIndexOf("/") + 1));
    try {
      await ops.rename(source, target);
      if (ctx.fsync) await ops.fsync(dfd);
      if (isLocked(lock)) await this.protectRestored(target);
    } catch (err) {
      await dropLink();
      const code = errCode(err);
      if (code === "EISDIR" || code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOENT") return false;
      throw err;
    } finally {
      await ops.close(dfd);
    }
    const rest = await readHistory(ctx, bucket, key);
    if (rest.length === 0) await pruneHistory(ctx, bucket, key);
    return true;
  }

  private async protectRestored(path: string): Promise<void> {
    const { ops } = this.ctx;
    const fd = await ops.open(path, O_RDONLY | O_NOFOLLOW);
    try {
      this.ctx.guard.protect(fd, await ops.fstat(fd));
    } finally {
      await ops.close(fd);
    }
  }
}

/** The lock in the record of an open version file, if the record describes it. */
async function lockOf(
  ctx: StoreContext,
  fd: number,
  st: BigStats,
  t: RecordTarget,
): Promise<ObjectLock | undefined> {
  const rec = await ctx.meta.readFd(fd, st, t);
  return rec && recordMatches(rec, st) ? recordLock(rec) : undefined;
}
