/**
 * Publishing a finished temp file under its key, atomically, and directory objects.
 *
 * Unconditional: rename(temp, target). If-None-Match: * : link(temp, target), which fails
 * with EEXIST when the key exists on any host (link is atomic on the shared filesystem,
 * unlike RENAME_NOREPLACE), then unlink(temp). If-Match: under the key's cluster-wide flock
 * (../layout/key-lock.ts), open the current object, compare its ETag, then rename; every conditional
 * writer of the key serializes on that lock, so two If-Match writers of the same ETag cannot
 * both win (the second sees the new ETag: PreconditionFailed); a lock not obtained within
 * LOCK_TIMEOUT_MS is ConditionalConflict. Unconditional writes and deletes take no lock
 * (last writer wins, as in S3): one landing between an If-Match writer's compare and its
 * rename is overwritten, a window of one rename.
 *
 * The target's directory is opened and verified first (no symlink, no file in the way) and
 * the entry is created through /proc/self/fd/N/name, so the rename lands in exactly the
 * verified directory. ENOENT there means a concurrent delete pruned the directory: retry.
 */
import { errCode, fsOps, O_DIRECTORY, O_RDONLY } from "../../runtime/fs-ops.ts";
import type { StoreContext } from "../context.ts";
import { keyIsPrefix, lockError, parentIsObject, StorageError } from "../errors.ts";
import { chownFd } from "../layout/file-owner.ts";
import { isRefusedPlace, LEFTOVER_DIR_BUDGET, placeOrFallback } from "../layout/key-conflicts.ts";
import { withKeyLock } from "../layout/key-lock.ts";
import { trimSlash } from "../layout/parent-dirs.ts";
import { fdPath, openVerified, viaFd } from "../layout/paths.ts";
import type { LockRequest } from "../lock/types.ts";
import { mtimeDate } from "../metadata/describe.ts";
import { identityOf, type MetadataRecord, makeRecord } from "../metadata/record.ts";
import type { RecordTarget } from "../metadata/sidecar-store.ts";
import type { SseRecord } from "../sse/records.ts";
import type {
  FileOwner,
  KeyFallback,
  ObjectAttributes,
  PartsLayout,
  PutObjectResult,
  WriteConditions,
} from "../types.ts";
import { publishVersioned } from "../versions/publish.ts";
import { DirectorySyncs, syncFile } from "./group-sync.ts";
import { discardTemp } from "./temp-writer.ts";

export const EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e";
/**
 * The entry that publishes: a rename between directories takes the filesystem's journal and
 * both directories' locks, 100 µs and more on a busy local disk, so it never blocks the loop.
 */
const offLoop = fsOps(false);
const ATTEMPTS = 8;

export interface FinishedTemp {
  path: string;
  fd: number;
  etag: string;
  attributes: ObjectAttributes;
  partsCount?: number;
  parts?: PartsLayout;
  /** The file holds sealed chunks of this encrypted object. */
  encryption?: SseRecord;
  /** Object lock asked for the new version (lock-enabled buckets only). */
  lock?: LockRequest;
  /** The id the new version gets, reserved before the work began (../versions/reserve.ts). */
  versionId?: string;
  /** The writer's POSIX owner for the file and the directories made for it. */
  owner?: FileOwner;
  /** Set when the key's place was not checked ahead: where it goes if the tree refuses it. */
  fallback?: KeyFallback;
}

export function unquote(etag: string): string {
  return etag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

export class Publisher {
  /** With --fsync on, the directory syncs of concurrent publishes are shared (group-sync.ts). */
  readonly directorySyncs = new DirectorySyncs();

  constructor(private readonly ctx: StoreContext) {}

  /** Records metadata on the temp file and publishes it; the temp is gone afterwards either way. */
  async publishFile(
    bucket: string,
    key: string,
    temp: FinishedTemp,
    cond?: WriteConditions,
  ): Promise<PutObjectResult> {
    const { ops, layout, meta } = this.ctx;
    try {
      // Before it is renamed into place: the object never appears under the server's user.
      if (temp.fd >= 0 && temp.owner) await chownFd(ops, temp.fd, temp.owner);
    } catch (e) {
      await discardTemp(ops, { path: temp.path, fd: temp.fd });
      throw e;
    }
    const state = await this.ctx.versioning.get(bucket);
    if (state !== "Unversioned") {
      try {
        if (temp.fallback) key = await placeOrFallback(this.ctx, bucket, key, temp.fallback);
        return await publishVersioned(this.ctx, this, bucket, key, temp, state, cond);
      } catch (e) {
        await discardTemp(ops, { path: temp.path, fd: temp.fd >= 0 ? temp.fd : undefined });
        throw e;
      }
    }
    let fd: number | undefined = temp.fd;
    try {
      if (temp.lock) throw lockError("MissingLockConfiguration");
      const st = await ops.fstat(fd);
      const rec = makeRecord(identityOf(st), temp.etag, temp.attributes, {
        partsCount: temp.partsCount,
        parts: temp.parts,
        encryption: temp.encryption,
      });
      const bucketPath = layout.bucket(bucket);
      await meta.writeFd(fd, { bucketPath, key }, rec);
      if (this.ctx.fsync) await syncFile(fd);
      const place = (at: string) => {
        const run = () => this.place(bucket, at, temp.path, cond, temp.owner);
        // If-None-Match too: link(2) alone let two hosts both create the key on a distributed
        // filesystem whose link is not atomic across its servers (the scale-out race test saw
        // it on GlusterFS).
        return cond?.ifMatch !== undefined || cond?.ifNoneMatch
          ? withKeyLock(ops, layout, bucket, at, run)
          : run();
      };
      await ops.close(fd);
      fd = undefined;
      try {
        await place(key);
      } catch (e) {
        if (!temp.fallback || !isRefusedPlace(e)) throw e;
        // The tree refused the key's own path: the file and its record go to the alternate area.
        const diskKey = temp.fallback.diskKey();
        await this.moveRecord(temp.path, st.ino, rec, { bucketPath, key }, { bucketPath, key: diskKey });
        await place(diskKey);
      }
      const size = temp.encryption ? temp.encryption.p : Number(st.size);
      const result: PutObjectResult = { etag: temp.etag, size, lastModified: mtimeDate(st) };
      if (temp.attributes.checksum) result.checksum = temp.attributes.checksum;
      if (temp.encryption) result.encryption = temp.encryption;
      return result;
    } catch (e) {
      await discardTemp(ops, { path: temp.path, fd });
      throw e;
    }
  }

  /** Writes rec again for another target (a record too large for an xattr lives beside it). */
  private async moveRecord(
    tempPath: string,
    ino: bigint,
    rec: MetadataRecord,
    from: RecordTarget,
    to: RecordTarget,
  ): Promise<void> {
    const { ops, meta } = this.ctx;
    await meta.forget(ino, from).catch(() => {});
    const fd = await ops.open(tempPath, O_RDONLY);
    try {
      await meta.writeFd(fd, to, rec);
      if (this.ctx.fsync) await syncFile(fd);
    } finally {
      await ops.close(fd);
    }
  }

  /** Renames (or, for If-None-Match, links) the finished temp file over the key's path. */
  async place(
    bucket: string,
    key: string,
    tempPath: string,
    cond?: WriteConditions,
    owner?: FileOwner,
  ): Promise<void> {
    const { ops, parents, layout } = this.ctx;
    const slash = key.lastIndexOf("/");
    const name = key.slice(slash + 1);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const dfd = await parents.open(bucket, key, owner);
      try {
        const target = viaFd(dfd, name);
        if (cond?.ifMatch !== undefined) await this.checkIfMatch(bucket, key, cond);
        try {
          if (cond?.ifNoneMatch === "*") {
            await offLoop.link(tempPath, target);
            await offLoop.unlink(tempPath);
          } else {
            await offLoop.rename(tempPath, target);
          }
        } catch (e) {
          const code = errCode(e);
          if (code === "ENOENT" || code === "ESTALE") continue;
          if (code !== "EEXIST" && code !== "EISDIR" && code !== "ENOTEMPTY") throw e;
          const st = await ops.lstat(target).catch(() => undefined);
          if (st?.isDirectory()) {
            if (await this.removeLeftoverDir(bucket, key, target)) continue;
            throw keyIsPrefix(key);
          }
          if (cond?.ifNoneMatch === "*" && st) throw new StorageError("PreconditionFailed", `${key} exists`);
          throw e;
        }
        if (this.ctx.fsync) {
          const bucketPath = layout.bucket(bucket);
          await this.directorySyncs.sync(
            slash < 0 ? bucketPath : `${bucketPath}/${key.slice(0, slash)}`,
            dfd,
          );
        }
        return;
      } finally {
        await ops.close(dfd);
      }
    }
    throw new Error(`could not publish ${key}: its directory kept disappearing`);
  }

  /**
   * A directory in the way of a file is a leftover when it holds no object at any depth:
   * only unmarked, empty directories (at most LEFTOVER_DIR_BUDGET). Remove it.
   */
  private async removeLeftoverDir(bucket: string, key: string, target: string): Promise<boolean> {
    const budget = { dirs: LEFTOVER_DIR_BUDGET };
    const removed = await this.removeEmptyTree(this.ctx.layout.bucket(bucket), `${key}/`, target, budget);
    return removed;
  }

  private async removeEmptyTree(bucketPath: string, key: string, path: string, budget: { dirs: number }) {
    const { ops, describer } = this.ctx;
    if (--budget.dirs < 0) return false;
    const st = await ops.lstat(path).catch(() => undefined);
    if (!st) return true;
    if (!st.isDirectory() || (await describer.isMarkedDirectory(path, st, { bucketPath, key }))) return false;
    for (const d of await ops.readdir(path).catch(() => [])) {
      if (!d.isDirectory()) return false;
      if (!(await this.removeEmptyTree(bucketPath, `${key}${d.name}/`, `${path}/${d.name}`, budget)))
        return false;
    }
    try {
      await ops.rmdir(path);
      return true;
    } catch (e) {
      return errCode(e) === "ENOENT";
    }
  }

  private async checkIfMatch(bucket: string, key: string, cond: WriteConditions): Promise<void> {
    const { ops, layout, describer } = this.ctx;
    const path = layout.object(bucket, key);
    const t = { bucketPath: layout.bucket(bucket), key };
    // The current object, with its ETag (undefined: an encrypted file changed outside S3).
    let current: { etag: string | undefined } | undefined;
    for (let attempt = 0; attempt < ATTEMPTS && current === undefined; attempt++) {
      const opened = await openVerified(ops, path).catch((e) => {
        if (["ENOENT", "ENOTDIR", "ELOOP"].includes(errCode(e) ?? "")) return undefined;
        throw e;
      });
      if (!opened || (!opened.ok && opened.reason !== "moved")) break;
      if (!opened.ok) continue;
      try {
        current = { etag: await describer.currentEtag(opened.fd, opened.st, t) };
      } finally {
        await ops.close(opened.fd);
      }
    }
    if (current === undefined) throw new StorageError("NoSuchKey");
    checkEtag(current.etag, cond);
  }

  /** PUT of a directory object ("a/b/"): a marked directory, zero bytes. */
  async putDirectory(
    bucket: string,
    key: string,
    attributes: ObjectAttributes,
    cond?: WriteConditions,
    owner?: FileOwner,
  ): Promise<PutObjectResult> {
    const { ops, layout } = this.ctx;
    const run = () => this.markDirectory(bucket, key, attributes, cond, owner);
    return cond?.ifMatch !== undefined || cond?.ifNoneMatch
      ? withKeyLock(ops, layout, bucket, key, run)
      : run();
  }

  private async markDirectory(
    bucket: string,
    key: string,
    attributes: ObjectAttributes,
    cond?: WriteConditions,
    owner?: FileOwner,
  ) {
    const { ops, layout, parents, describer, meta } = this.ctx;
    const path = layout.object(bucket, key);
    const name = trimSlash(key).slice(trimSlash(key).lastIndexOf("/") + 1);
    const t = { bucketPath: layout.bucket(bucket), key };
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const pfd = await parents.open(bucket, key, owner);
      try {
        const made = await ops.mkdir(viaFd(pfd, name)).then(
          () => true,
          (e) => {
            if (errCode(e) !== "EEXIST") throw e;
            return false;
          },
        );
        const opened = await openVerified(ops, path, O_RDONLY | O_DIRECTORY).catch((e) => {
          if (errCode(e) === "ENOENT") return undefined;
          if (errCode(e) === "ENOTDIR" || errCode(e) === "ELOOP") {
            throw parentIsObject(key, trimSlash(key));
          }
          throw e;
        });
        if (!opened || (!opened.ok && opened.reason === "moved")) continue;
        if (!opened.ok) throw parentIsObject(key, trimSlash(key), "a symlink");
        try {
          if (made) await chownFd(ops, opened.fd, owner);
          const { st } = opened;
          const existing = await describer.describeDirectory(opened.fd, st, t);
          if (cond?.ifMatch !== undefined) {
            if (!existing) throw new StorageError("NoSuchKey");
            checkEtag(existing.etag, cond);
          }
          if (cond?.ifNoneMatch === "*" && existing)
            throw new StorageError("PreconditionFailed", `${key} exists`);
          const lastModified = Date.now();
          const rec = makeRecord(identityOf(st), EMPTY_MD5, attributes, { directory: true, lastModified });
          await meta.writeFd(opened.fd, t, rec);
          if (fdPath(opened.fd).endsWith(" (deleted)")) continue; // pruned meanwhile: again
          if (this.ctx.fsync) {
            await syncFile(opened.fd);
            const parent = trimSlash(key).slice(0, Math.max(0, trimSlash(key).lastIndexOf("/")));
            await this.directorySyncs.sync(layout.bucket(bucket) + (parent ? `/${parent}` : ""), pfd);
          }
          const result: PutObjectResult = { etag: EMPTY_MD5, size: 0, lastModified: new Date(lastModified) };
          if (attributes.checksum) result.checksum = attributes.checksum;
          return result;
        } finally {
          await ops.close(opened.fd);
        }
      } finally {
        await ops.close(pfd);
      }
    }
    throw new Error(`could not create directory object ${key}`);
  }
}

/** current undefined: the object exists but its ETag is unknown, so only If-Match: * holds. */
export function checkEtag(current: string | undefined, cond: WriteConditions): void {
  const want = unquote(cond.ifMatch ?? "*");
  if (want !== "*" && want !== current) throw new StorageError("PreconditionFailed", "ETag does not match");
  if (cond.ifNoneMatch === "*") throw new StorageError("PreconditionFailed", "object exists");
}
