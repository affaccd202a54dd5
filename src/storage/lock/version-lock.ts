/**
 * A version's lock read and changed in place (GetObjectRetention / PutObjectRetention,
 * Get/PutObjectLegalHold): the version's metadata record is rewritten on its open file, under
 * the key's lock (../layout/key-lock.ts) so that no write or delete of the key interleaves.
 * The current version (the file at the key's path) is released from the immutable flag for
 * the record's write, then protected again (protect.ts) and linked into the versions store
 * while it is locked; a noncurrent version lives in the versions store already.
 */
import { fchmodSync } from "node:fs";
import type { BigStats } from "../../runtime/fs-ops.ts";
import { errCode } from "../../runtime/fs-ops.ts";
import type { StoreContext } from "../context.ts";
import { lockError, StorageError, versionError } from "../errors.ts";
import { withKeyLock } from "../layout/key-lock.ts";
import { checkKey, isDirectoryKey, isValidBucketName } from "../layout/keys.ts";
import { openVerified } from "../layout/paths.ts";
import {
  identityOf,
  type MetadataRecord,
  makeRecord,
  recordLock,
  recordMatches,
  setRecordLock,
} from "../metadata/record.ts";
import type { RecordTarget } from "../metadata/store.ts";
import { openCurrent } from "../versions/current.ts";
import { checkVersionId } from "../versions/delete.ts";
import { entryTarget, findEntry, historyDir, markerDate, readHistory } from "../versions/history.ts";
import { keepCurrent } from "../versions/publish.ts";
import { checkRetentionChange, isLocked } from "./rules.ts";
import type { ObjectLock, Retention } from "./types.ts";

export interface VersionLock {
  versionId: string;
  lock?: ObjectLock;
}

export interface PutRetentionInput {
  bucket: string;
  key: string;
  /** The current version when absent. */
  versionId?: string;
  /** Undefined removes the retention (GOVERNANCE only, with bypass). */
  retention?: Retention;
  /** x-amz-bypass-governance-retention was asked for AND the caller may bypass (s3:BypassGovernanceRetention). */
  bypassGovernance: boolean;
}

export interface PutLegalHoldInput {
  bucket: string;
  key: string;
  versionId?: string;
  legalHold: boolean;
}

/** An opened version: its file, and whether it is the file at the key's path. */
interface Located {
  fd: number;
  st: BigStats;
  versionId: string;
  current: boolean;
  target: RecordTarget;
}

export class VersionLocks {
  constructor(private readonly ctx: StoreContext) {}

  async get(bucket: string, key: string, versionId?: string): Promise<VersionLock> {
    await this.checkBucket(bucket, key, versionId);
    const v = await this.locate(bucket, key, versionId);
    try {
      const rec = await this.record(v);
      const lock = recordLock(rec);
      return lock ? { versionId: v.versionId, lock } : { versionId: v.versionId };
    } finally {
      await this.ctx.ops.close(v.fd);
    }
  }

  putRetention(input: PutRetentionInput): Promise<VersionLock> {
    return this.update(input.bucket, input.key, input.versionId, (lock) => {
      checkRetentionChange(lock?.retention, input.retention, input.bypassGovernance);
      const next: ObjectLock = { ...lock };
      if (input.retention) next.retention = input.retention;
      else delete next.retention;
      return next;
    });
  }

  putLegalHold(input: PutLegalHoldInput): Promise<VersionLock> {
    return this.update(input.bucket, input.key, input.versionId, (lock) => {
      const next: ObjectLock = { ...lock };
      next.legalHold = input.legalHold;
      return next;
    });
  }

  private async update(
    bucket: string,
    key: string,
    versionId: string | undefined,
    change: (lock: ObjectLock | undefined) => ObjectLock,
  ): Promise<VersionLock> {
    await this.checkBucket(bucket, key, versionId);
    const { ctx } = this;
    return withKeyLock(ctx.ops, ctx.layout, bucket, key, async () => {
      const v = await this.locate(bucket, key, versionId);
      try {
        const rec = await this.record(v);
        const lock = change(recordLock(rec));
        setRecordLock(rec, lock);
        await this.writeRecord(bucket, key, v, rec);
        if (v.current && isLocked(lock)) {
          const history = await readHistory(ctx, bucket, key);
          await keepCurrent(ctx, bucket, key, { fd: v.fd, st: v.st, versionId: v.versionId }, history);
          ctx.guard.protect(v.fd, v.st);
        }
        const out = recordLock(rec);
        return out ? { versionId: v.versionId, lock: out } : { versionId: v.versionId };
      } finally {
        await ctx.ops.close(v.fd);
      }
    });
  }

  /** NoSuchBucket, the key's and version id's checks, then MissingLockConfiguration. */
  private async checkBucket(bucket: string, key: string, versionId: string | undefined) {
    const { ctx } = this;
    const bst = isValidBucketName(bucket)
      ? await ctx.ops.lstat(ctx.layout.bucket(bucket)).catch(() => undefined)
      : undefined;
    if (!bst?.isDirectory()) throw new StorageError("NoSuchBucket");
    if (versionId !== undefined) checkVersionId(versionId);
    try {
      checkKey(key);
    } catch {
      throw new StorageError("NoSuchKey");
    }
    if (isDirectoryKey(key) || !(await ctx.locks.get(bucket))) throw lockError("MissingLockConfiguration");
  }

  /** Opens the version named (the current one when versionId is absent); the caller closes fd. */
  private async locate(bucket: string, key: string, versionId: string | undefined): Promise<Located> {
    const { ctx } = this;
    const keyTarget = { bucketPath: ctx.layout.bucket(bucket), key };
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await openCurrent(ctx, bucket, key);
      if (current && (versionId === undefined || current.versionId === versionId)) {
        return {
          fd: current.fd,
          st: current.st,
          versionId: current.versionId,
          current: true,
          target: keyTarget,
        };
      }
      if (current) await ctx.ops.close(current.fd);
      if (versionId === undefined) {
        const newest = (await readHistory(ctx, bucket, key))[0];
        if (newest?.deleteMarker) {
          throw versionError({
            reason: "DeleteMarker",
            requested: false,
            versionId: newest.versionId,
            lastModified: markerDate(newest),
          });
        }
        throw new StorageError("NoSuchKey");
      }
      const entry = await findEntry(ctx, bucket, key, versionId);
      if (!entry) throw versionError({ reason: "NoSuchVersion", requested: true, versionId });
      if (entry.deleteMarker) {
        throw versionError({
          reason: "DeleteMarker",
          requested: true,
          versionId,
          lastModified: markerDate(entry),
        });
      }
      const opened = await openVerified(ctx.ops, `${historyDir(ctx, bucket, key)}/${entry.name}`).catch(
        (e) => {
          if (errCode(e) === "ENOENT") return undefined;
          throw e;
        },
      );
      if (!opened?.ok) continue; // restored meanwhile
      return {
        fd: opened.fd,
        st: opened.st,
        versionId,
        current: false,
        target: entryTarget(ctx, bucket, key, entry.name),
      };
    }
    throw versionError({ reason: "NoSuchVersion", requested: true, versionId: versionId ?? "" });
  }

  /** The version's record; one is made for a file written through POSIX (its ETag computed). */
  private async record(v: Located): Promise<MetadataRecord> {
    const { meta, describer } = this.ctx;
    const rec = await meta.readFd(v.fd, v.st, v.target);
    if (rec && recordMatches(rec, v.st)) return rec;
    const info = await describer.describeFile(v.fd, v.st, v.target);
    return makeRecord(identityOf(v.st), info.etag, info, { versionId: info.versionId });
  }

  /**
   * Writes the record on the version's file (released from the immutable flag, made writable
   * for a server that is not root); for the current version, also for its link in the
   * versions store when records live in sidecars (an xattr travels with the inode).
   */
  private async writeRecord(bucket: string, key: string, v: Located, rec: MetadataRecord) {
    const { ctx } = this;
    if (v.current) ctx.guard.release(v.fd);
    const mode = Number(v.st.mode) & 0o7777;
    const unwritable = process.geteuid?.() !== 0 && (mode & 0o200) === 0;
    if (unwritable) fchmodSync(v.fd, mode | 0o200);
    try {
      await ctx.meta.writeFd(v.fd, v.target, rec);
      if (v.current && ctx.meta.kind === "file") {
        const kept = (await readHistory(ctx, bucket, key)).filter((e) => e.versionId === v.versionId);
        for (const e of kept) await ctx.meta.writeFd(v.fd, entryTarget(ctx, bucket, key, e.name), rec);
      }
    } finally {
      if (unwritable) fchmodSync(v.fd, mode);
    }
  }
}
