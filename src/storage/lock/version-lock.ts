/**
 * A version's lock read and changed in place (GetObjectRetention / PutObjectRetention,
 * Get/PutObjectLegalHold): the version's metadata record is rewritten on its open file, under
 * the key's lock (../layout/key-lock.ts) so that no write or delete of the key interleaves.
 * The current version (the file at the key's path) is released from the immutable flag for
 * the record's write, then protected again (protect.ts) and linked into the versions store
 * while it is locked; a noncurrent version lives in the versions store already.
 */
import type { StoreContext } from "../context.ts";
import { lockError } from "../errors.ts";
import { withKeyLock } from "../layout/key-lock.ts";
import { isDirectoryKey } from "../layout/keys.ts";
import { recordLock, setRecordLock } from "../metadata/record.ts";
import { readHistory } from "../versions/history.ts";
import { keepCurrent } from "../versions/publish.ts";
import {
  checkVersionTarget,
  locateVersion,
  versionRecord,
  writeVersionRecord,
} from "../versions/version-record.ts";
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

export class VersionLocks {
  constructor(private readonly ctx: StoreContext) {}

  async get(bucket: string, key: string, versionId?: string): Promise<VersionLock> {
    await this.checkBucket(bucket, key, versionId);
    const v = await locateVersion(this.ctx, bucket, key, versionId);
    try {
      const rec = await versionRecord(this.ctx, v);
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
      const v = await locateVersion(this.ctx, bucket, key, versionId);
      try {
        const rec = await versionRecord(this.ctx, v);
        const lock = change(recordLock(rec));
        setRecordLock(rec, lock);
        await writeVersionRecord(ctx, bucket, key, v, rec);
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
    await checkVersionTarget(this.ctx, bucket, key, versionId);
    if (isDirectoryKey(key) || !(await this.ctx.locks.get(bucket)))
      throw lockError("MissingLockConfiguration");
  }
}
