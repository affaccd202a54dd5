/**
 * Reading a version by id, and what a read without one meets when the newest version of a key
 * is a delete marker. Lock-free like every read: the current file is opened first and served
 * when it carries the id; otherwise the kept entry is opened. A version restored (renamed back
 * to the key's path) between the two steps is found on the next attempt.
 */
import type { BigStats } from "../../runtime/fs-ops.ts";
import { errCode } from "../../runtime/fs-ops.ts";
import type { StoreContext } from "../context.ts";
import { isStorageError, type StorageError, versionError } from "../errors.ts";
import { isDirectoryKey } from "../layout/keys.ts";
import { openVerified } from "../layout/paths.ts";
import type { ObjectInfo } from "../types.ts";
import { checkVersionId } from "./delete.ts";
import { entryTarget, findReadableEntry, historyDir, markerDate, readHistory } from "./history.ts";
import { NULL_VERSION } from "./ids.ts";
import type { VersioningState } from "./state.ts";

export interface OpenVersion {
  fd: number;
  st: BigStats;
  info: ObjectInfo;
}

const ATTEMPTS = 3;

export async function openVersionFile(
  ctx: StoreContext,
  openCurrentFile: () => Promise<OpenVersion>,
  bucket: string,
  key: string,
  versionId: string,
  state: VersioningState,
): Promise<OpenVersion> {
  checkVersionId(versionId);
  const noSuchVersion = () => versionError({ reason: "NoSuchVersion", requested: true, versionId });
  if (state === "Unversioned" || isDirectoryKey(key)) {
    if (versionId !== NULL_VERSION) throw noSuchVersion();
    const f = await openCurrentFile();
    f.info.versionId = NULL_VERSION;
    return f;
  }
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await openCurrentFile().catch((e) => {
      if (isStorageError(e) && e.code === "NoSuchKey") return undefined;
      throw e;
    });
    if (current?.info.versionId === versionId) return current;
    if (current) await ctx.ops.close(current.fd);
    const entry = await findReadableEntry(ctx, bucket, key, versionId);
    const path = `${historyDir(ctx, bucket, key)}/${entry.name}`;
    const opened = await openVerified(ctx.ops, path).catch((e) => {
      if (errCode(e) === "ENOENT") return undefined;
      throw e;
    });
    if (!opened?.ok) continue; // restored or removed meanwhile
    try {
      const info = await ctx.describer.describeFile(
        opened.fd,
        opened.st,
        entryTarget(ctx, bucket, key, entry.name),
      );
      info.versionId = versionId;
      return { fd: opened.fd, st: opened.st, info };
    } catch (e) {
      await ctx.ops.close(opened.fd);
      throw e;
    }
  }
  throw noSuchVersion();
}

/**
 * For a read without version id that found no file: when the key's newest version is a
 * delete marker, the NoSuchKey that says so (x-amz-delete-marker); else the error unchanged.
 */
export async function markerOrMissing(
  ctx: StoreContext,
  bucket: string,
  key: string,
  missing: StorageError,
): Promise<StorageError> {
  if (missing.code !== "NoSuchKey" || isDirectoryKey(key)) return missing;
  const newest = (await readHistory(ctx, bucket, key).catch(() => []))[0];
  if (!newest?.deleteMarker) return missing;
  return versionError({
    reason: "DeleteMarker",
    requested: false,
    versionId: newest.versionId,
    lastModified: markerDate(newest),
  });
}
