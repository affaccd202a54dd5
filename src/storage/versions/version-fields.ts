/**
 * Reads or rewrites fields of one version's metadata record (its ACL, its tags) and reports
 * them with the version's id, which S3 leaves out in a bucket that was never versioned unless
 * the request named one. Rewrites run under the key's lock; a locked current version (object
 * lock) is protected again once its record is written.
 */
import type { StoreContext } from "../context.ts";
import { withKeyLock } from "../layout/key-lock.ts";
import { isLocked } from "../lock/rules.ts";
import { type MetadataRecord, recordLock } from "../metadata/record.ts";
import { checkVersionTarget, locateVersion, versionRecord, writeVersionRecord } from "./version-record.ts";

export type Reported<T> = T & { versionId?: string };

export async function readVersionFields<T extends object>(
  ctx: StoreContext,
  bucket: string,
  key: string,
  versionId: string | undefined,
  read: (rec: MetadataRecord) => T,
): Promise<Reported<T>> {
  await checkVersionTarget(ctx, bucket, key, versionId);
  const v = await locateVersion(ctx, bucket, key, versionId);
  try {
    const rec = await versionRecord(ctx, v);
    return await reported(ctx, bucket, versionId, v.versionId, read(rec));
  } finally {
    await ctx.ops.close(v.fd);
  }
}

/** `edit` changes the record in place and returns the fields to report. */
export async function editVersionFields<T extends object>(
  ctx: StoreContext,
  bucket: string,
  key: string,
  versionId: string | undefined,
  edit: (rec: MetadataRecord) => T,
): Promise<Reported<T>> {
  await checkVersionTarget(ctx, bucket, key, versionId);
  return withKeyLock(ctx.ops, ctx.layout, bucket, key, async () => {
    const v = await locateVersion(ctx, bucket, key, versionId);
    try {
      const rec = await versionRecord(ctx, v);
      const fields = edit(rec);
      await writeVersionRecord(ctx, bucket, key, v, rec);
      if (v.current && isLocked(recordLock(rec))) ctx.guard.protect(v.fd, v.st);
      return await reported(ctx, bucket, versionId, v.versionId, fields);
    } finally {
      await ctx.ops.close(v.fd);
    }
  });
}

async function reported<T extends object>(
  ctx: StoreContext,
  bucket: string,
  asked: string | undefined,
  versionId: string,
  fields: T,
): Promise<Reported<T>> {
  if (asked === undefined && (await ctx.versioning.get(bucket)) === "Unversioned") return fields;
  return { versionId, ...fields };
}
