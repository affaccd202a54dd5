/**
 * DeleteObject: idempotent. A file key unlinks the file (never a symlink or a directory
 * standing at that path) and forgets its sidecar record; a directory key ("a/") unmarks the
 * directory and removes it if empty. Then now-empty parents are pruned up to the bucket.
 */

import { errCode, O_DIRECTORY, O_RDONLY } from "../../runtime/fs-ops.ts";
import { requireBucket } from "../buckets/exists.ts";
import type { StoreContext } from "../context.ts";
import { checkKey, isDirectoryKey } from "../layout/keys.ts";
import { openDirVerified, openVerified, viaFd } from "../layout/paths.ts";
import { checkWritePath } from "../permissions/path-checks.ts";
import type { PosixIdentity } from "../types.ts";
import { checkVersionId, type DeleteResult, VersionedDeleter } from "../versions/delete.ts";
import { NULL_VERSION } from "../versions/ids.ts";

export class Deleter {
  private readonly versioned: VersionedDeleter;

  constructor(private readonly ctx: StoreContext) {
    this.versioned = new VersionedDeleter(ctx, async (bucket, key, free) => {
      if (await this.unlinkFile(bucket, key, free)) await ctx.parents.prune(bucket, key);
    });
  }

  /**
   * In a versioned bucket (../versions/delete.ts) a delete without versionId makes a delete
   * marker; with one it removes that version. Directory objects ("a/") are not versioned.
   */
  async delete(
    bucket: string,
    key: string,
    versionId?: string,
    options?: { bypassGovernance?: boolean; access?: PosixIdentity },
  ): Promise<DeleteResult> {
    await requireBucket(this.ctx, bucket);
    if (versionId !== undefined) checkVersionId(versionId);
    try {
      checkKey(key);
    } catch {
      return versionId === undefined ? {} : { versionId }; // an invalid key names no object
    }
    const access = options?.access;
    if (access)
      await checkWritePath(
        this.ctx.ops,
        this.ctx.layout.root,
        this.ctx.layout.bucketDir(bucket),
        key,
        access,
        false,
      );
    const state = await this.ctx.versioning.get(bucket);
    if (state !== "Unversioned" && !isDirectoryKey(key)) {
      return versionId === undefined
        ? this.versioned.deleteCurrent(bucket, key, state)
        : this.versioned.deleteVersion(bucket, key, versionId, options?.bypassGovernance);
    }
    if (versionId !== undefined && versionId !== NULL_VERSION) return { versionId };
    const removed = isDirectoryKey(key)
      ? await this.unmarkDirectory(bucket, key)
      : await this.unlinkFile(bucket, key);
    if (removed) await this.ctx.parents.prune(bucket, key);
    return versionId === undefined ? {} : { versionId };
  }

  /** free: the file's bytes leave the quota usage (not when a link to it is kept as a version). */
  private async unlinkFile(bucket: string, key: string, free = true): Promise<boolean> {
    const { ops, layout, meta } = this.ctx;
    const path = layout.object(bucket, key);
    const dfd = await openDirVerified(ops, path.slice(0, path.lastIndexOf("/")));
    if (dfd === undefined) return false;
    try {
      const target = viaFd(dfd, key.slice(key.lastIndexOf("/") + 1));
      const st = await ops.lstat(target).catch(() => undefined);
      if (!st?.isFile()) return false;
      const gen = free ? await this.ctx.quota.freeing(bucket) : undefined;
      try {
        await ops.unlink(target);
      } catch (e) {
        if (errCode(e) === "ENOENT") return false;
        throw e;
      }
      if (this.ctx.fsync) await ops.fsync(dfd);
      if (free) await this.ctx.quota.freed(bucket, Number(st.size), gen);
      await meta.forget(st.ino, { bucketPath: layout.bucket(bucket), key }).catch(() => {});
      return true;
    } finally {
      await ops.close(dfd);
    }
  }

  private async unmarkDirectory(bucket: string, key: string): Promise<boolean> {
    const { ops, layout, meta } = this.ctx;
    const path = layout.object(bucket, key);
    const opened = await openVerified(ops, path, O_RDONLY | O_DIRECTORY).catch(() => undefined);
    if (!opened?.ok) return false;
    try {
      await meta.removeFd(opened.fd, opened.st, { bucketPath: layout.bucket(bucket), key });
    } finally {
      await ops.close(opened.fd);
    }
    try {
      await ops.rmdir(path);
    } catch {
      return false; // still holds objects: it stays, as a plain prefix
    }
    return true;
  }
}
