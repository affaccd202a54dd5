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

import { errCode } from "../../runtime/fs-ops.ts";
import type { StoreContext } from "../context.ts";
import { versionError } from "../errors.ts";
import { withKeyLock } from "../layout/key-lock.ts";
import { viaFd } from "../layout/paths.ts";
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
    /** Unlinks the file at the key's path and prunes its parents (objects/deleter.ts). */
    private readonly unlinkCurrent: (bucket: string, key: string) => Promise<void>,
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
      try {
        if (current && (state === "Enabled" || current.versionId !== NULL_VERSION)) {
          const kept = await keepCurrent(ctx, bucket, key, current, history);
          if (!newest || kept > newest) newest = kept;
        }
      } finally {
        if (current) await ctx.ops.close(current.fd);
      }
      if (current) await this.unlinkCurrent(bucket, key);
      if (state === "Suspended") {
        for (const e of history) if (e.versionId === NULL_VERSION) await removeEntry(ctx, bucket, key, e);
      }
      const id = newVersionId(newest);
      const versionId = state === "Enabled" ? id : NULL_VERSION;
      await addMarker(ctx, bucket, key, entryName(id, versionId, true));
      return { versionId, deleteMarker: true };
    });
  }

  /** Removes exactly one version or marker; a version id that names nothing is no error. */
  async deleteVersion(bucket: string, key: string, versionId: string): Promise<DeleteResult> {
    checkVersionId(versionId);
    const { ctx } = this;
    return withKeyLock(ctx.ops, ctx.layout, bucket, key, async () => {
      const history = await readHistory(ctx, bucket, key);
      const current = await openCurrent(ctx, bucket, key);
      if (current) await ctx.ops.close(current.fd);
      // Entries with the current file's id are leftovers of a move aside (history.ts).
      const kept = history.filter((e) => e.versionId !== current?.versionId);
      if (current?.versionId === versionId) {
        for (const e of history) if (e.versionId === versionId) await removeEntry(ctx, bucket, key, e);
        await this.removeCurrent(bucket, key, current, kept);
        return { versionId, deleteMarker: false };
      }
      const entry = kept.find((e) => e.versionId === versionId);
      if (!entry) return { versionId };
      await removeEntry(ctx, bucket, key, entry);
      const rest = kept.filter((e) => e !== entry);
      if (!current && entry === kept[0] && entry.deleteMarker && rest[0] && !rest[0].deleteMarker) {
        await this.restore(bucket, key, rest[0]);
      } else if (rest.length === 0) {
        await pruneHistory(ctx, bucket, key);
      }
      return { versionId, deleteMarker: entry.deleteMarker };
    });
  }

  private async removeCurrent(bucket: string, key: string, current: CurrentFile, kept: HistoryEntry[]) {
    const { ctx } = this;
    const next = kept[0];
    if (next && !next.deleteMarker && (await this.restore(bucket, key, next))) {
      await ctx.meta.forget(current.st.ino, { bucketPath: ctx.layout.bucket(bucket), key }).catch(() => {});
      return;
    }
    await this.unlinkCurrent(bucket, key);
    if (kept.length === 0) await pruneHistory(ctx, bucket, key);
  }

  /**
   * Makes a kept version current again: its record (when in a sidecar) is filed for the key,
   * then its inode is renamed over the key's path. False when the path cannot take it (a
   * directory or a file in the way, made through POSIX): it stays noncurrent.
   */
  private async restore(bucket: string, key: string, e: HistoryEntry): Promise<boolean> {
    const { ctx } = this;
    const { ops, layout, meta, parents } = ctx;
    const path = `${historyDir(ctx, bucket, key)}/${e.name}`;
    const t = { bucketPath: layout.bucket(bucket), key };
    const fd = await ops.open(path, 0).catch(() => undefined);
    if (fd === undefined) return false;
    try {
      const st = await ops.fstat(fd);
      await meta.copyRecord(fd, st, entryTarget(ctx, bucket, key, e.name), t);
    } finally {
      await ops.close(fd);
    }
    let dfd: number;
    try {
      dfd = await parents.open(bucket, key);
    } catch {
      return false;
    }
    try {
      await ops.rename(path, viaFd(dfd, key.slice(key.lastIndexOf("/") + 1)));
      if (ctx.fsync) await ops.fsync(dfd);
    } catch (err) {
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
}
