/**
 * GetObjectTagging / PutObjectTagging / DeleteObjectTagging: a version's tags, kept in its
 * metadata record (field `g`), rewritten in place under the key's lock. A locked current
 * version (object lock) is protected again once its record is written.
 */
import type { StoreContext } from "../context.ts";
import { withKeyLock } from "../layout/key-lock.ts";
import { isLocked } from "../lock/rules.ts";
import { recordAttributes, recordLock, setRecordTags } from "../metadata/record.ts";
import type { ObjectTag } from "../types.ts";
import {
  checkVersionTarget,
  locateVersion,
  versionRecord,
  writeVersionRecord,
} from "../versions/version-record.ts";

export interface VersionTags {
  /** The version's id; absent in a bucket that was never versioned, unless one was named. */
  versionId?: string;
  tags: ObjectTag[];
}

export class ObjectTagging {
  constructor(private readonly ctx: StoreContext) {}

  async get(bucket: string, key: string, versionId?: string): Promise<VersionTags> {
    const { ctx } = this;
    await checkVersionTarget(ctx, bucket, key, versionId);
    const v = await locateVersion(ctx, bucket, key, versionId);
    try {
      const rec = await versionRecord(ctx, v);
      return await this.reported(bucket, versionId, v.versionId, recordAttributes(rec).tags ?? []);
    } finally {
      await ctx.ops.close(v.fd);
    }
  }

  private async reported(
    bucket: string,
    asked: string | undefined,
    versionId: string,
    tags: ObjectTag[],
  ): Promise<VersionTags> {
    if (asked === undefined && (await this.ctx.versioning.get(bucket)) === "Unversioned") return { tags };
    return { versionId, tags };
  }

  /** Replaces the version's tags (none: removes them). */
  async put(
    bucket: string,
    key: string,
    versionId: string | undefined,
    tags: ObjectTag[],
  ): Promise<VersionTags> {
    const { ctx } = this;
    await checkVersionTarget(ctx, bucket, key, versionId);
    return withKeyLock(ctx.ops, ctx.layout, bucket, key, async () => {
      const v = await locateVersion(ctx, bucket, key, versionId);
      try {
        const rec = await versionRecord(ctx, v);
        setRecordTags(rec, tags);
        await writeVersionRecord(ctx, bucket, key, v, rec);
        if (v.current && isLocked(recordLock(rec))) ctx.guard.protect(v.fd, v.st);
        return await this.reported(bucket, versionId, v.versionId, tags);
      } finally {
        await ctx.ops.close(v.fd);
      }
    });
  }
}
