/**
 * GetObjectAcl / PutObjectAcl: a version's access control list, kept in its metadata record
 * (field `a`), rewritten in place under the key's lock like its tags (../tags/version-tags.ts).
 */
import type { StoreContext } from "../context.ts";
import { withKeyLock } from "../layout/key-lock.ts";
import { isLocked } from "../lock/rules.ts";
import { recordAttributes, recordLock, setRecordAcl } from "../metadata/record.ts";
import type { StoredAcl } from "../types.ts";
import {
  checkVersionTarget,
  locateVersion,
  versionRecord,
  writeVersionRecord,
} from "../versions/version-record.ts";

export interface VersionAcl {
  /** The version's id; absent in a bucket that was never versioned, unless one was named. */
  versionId?: string;
  /** Undefined: the version has none stored (its owner alone has full control). */
  acl?: StoredAcl;
}

export class ObjectAcls {
  constructor(private readonly ctx: StoreContext) {}

  async get(bucket: string, key: string, versionId?: string): Promise<VersionAcl> {
    const { ctx } = this;
    await checkVersionTarget(ctx, bucket, key, versionId);
    const v = await locateVersion(ctx, bucket, key, versionId);
    try {
      const rec = await versionRecord(ctx, v);
      return await this.reported(bucket, versionId, v.versionId, recordAttributes(rec).acl);
    } finally {
      await ctx.ops.close(v.fd);
    }
  }

  async put(bucket: string, key: string, versionId: string | undefined, acl: StoredAcl): Promise<VersionAcl> {
    const { ctx } = this;
    await checkVersionTarget(ctx, bucket, key, versionId);
    return withKeyLock(ctx.ops, ctx.layout, bucket, key, async () => {
      const v = await locateVersion(ctx, bucket, key, versionId);
      try {
        const rec = await versionRecord(ctx, v);
        setRecordAcl(rec, acl);
        await writeVersionRecord(ctx, bucket, key, v, rec);
        if (v.current && isLocked(recordLock(rec))) ctx.guard.protect(v.fd, v.st);
        return await this.reported(bucket, versionId, v.versionId, acl);
      } finally {
        await ctx.ops.close(v.fd);
      }
    });
  }

  private async reported(
    bucket: string,
    asked: string | undefined,
    versionId: string,
    acl: StoredAcl | undefined,
  ): Promise<VersionAcl> {
    if (asked === undefined && (await this.ctx.versioning.get(bucket)) === "Unversioned") return { acl };
    return { versionId, acl };
  }
}
