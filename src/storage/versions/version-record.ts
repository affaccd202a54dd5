/**
 * One version's metadata record read and rewritten in place (object lock's retention and legal
 * hold, object tags): the version named by id, or the current one, opened without following
 * links; callers hold the key's lock (../layout/key-lock.ts) while they rewrite it.
 */

import { fchmodSync } from "node:fs";
import type { BigStats } from "../../runtime/fs-ops.ts";
import { errCode } from "../../runtime/fs-ops.ts";
import { requireBucket } from "../buckets/exists.ts";
import type { StoreContext } from "../context.ts";
import { StorageError, versionError } from "../errors.ts";
import { checkKey } from "../layout/keys.ts";
import { openVerified } from "../layout/paths.ts";
import { identityOf, type MetadataRecord, makeRecord, recordMatches } from "../metadata/record.ts";
import type { RecordTarget } from "../metadata/store.ts";
import { openCurrent } from "./current.ts";
import { checkVersionId } from "./delete.ts";
import { entryTarget, findReadableEntry, historyDir, markerDate, readHistory } from "./history.ts";

/** An opened version: its file, and whether it is the file at the key's path. */
export interface LocatedVersion {
  fd: number;
  st: BigStats;
  versionId: string;
  current: boolean;
  target: RecordTarget;
}

/** NoSuchBucket, then the version id's and the key's checks (a bad key is NoSuchKey). */
export async function checkVersionTarget(
  ctx: StoreContext,
  bucket: string,
  key: string,
  versionId: string | undefined,
): Promise<void> {
  await requireBucket(ctx, bucket);
  if (versionId !== undefined) checkVersionId(versionId);
  try {
    checkKey(key);
  } catch {
    throw new StorageError("NoSuchKey");
  }
}

/** Opens the version named (the current one when versionId is absent); the caller closes fd. */
export async function locateVersion(
  ctx: StoreContext,
  bucket: string,
  key: string,
  versionId: string | undefined,
): Promise<LocatedVersion> {
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
    const entry = await findReadableEntry(ctx, bucket, key, versionId);
    const opened = await openVerified(ctx.ops, `${historyDir(ctx, bucket, key)}/${entry.name}`).catch((e) => {
      if (errCode(e) === "ENOENT") return undefined;
      throw e;
    });
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

/**
 * The version's record, the caller's own to change (a copy of the shared one, metadata/store.ts);
 * one is made for a file written through POSIX (its ETag computed).
 */
export async function versionRecord(ctx: StoreContext, v: LocatedVersion): Promise<MetadataRecord> {
  const { meta, describer } = ctx;
  const rec = await meta.readFd(v.fd, v.st, v.target);
  if (rec && recordMatches(rec, v.st)) return structuredClone(rec);
  const info = await describer.describeFile(v.fd, v.st, v.target);
  return makeRecord(identityOf(v.st), info.etag, info, { versionId: info.versionId });
}

/**
 * Writes the record on the version's file (released from the immutable flag, made writable
 * for a server that is not root); for the current version, also for its link in the
 * versions store when records live in sidecars (an xattr travels with the inode). The
 * caller protects a locked current version again.
 */
export async function writeVersionRecord(
  ctx: StoreContext,
  bucket: string,
  key: string,
  v: LocatedVersion,
  rec: MetadataRecord,
): Promise<void> {
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
