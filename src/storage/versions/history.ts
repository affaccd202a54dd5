/**
 * The versions store: noncurrent versions and delete markers of a bucket's keys, under
 * `<root>/.s3dir/buckets/<bucket>/versions/` (server-owned; bucket owners cannot reach it).
 *
 * It mirrors the key's path with one level per segment that says what the name is, so no key
 * can collide with another key's history whatever its segments are: the history of key
 * `a/b/c` is the directory `versions/d/a/d/b/k/c/`; `d/<segment>` holds what lies below the
 * prefix `…<segment>/`, `k/<segment>` is the history of the key `…<segment>`. Walking `k/` and
 * `d/` of one level in S3 order (a name in `k/` sorts as itself, one in `d/` as itself + "/")
 * lists the keys with history in UTF-8 byte order, page by page (listing.ts).
 *
 * In a key's history directory each entry is one version, named `<sort id>.<kind>`: kind `v` a
 * version, `m` a delete marker, `nv` / `nm` the same whose public id is `null`. The sort id is
 * the version id (ids.ts), or for a `null` version an id made from its time, so names sorted
 * in reverse list the key's versions newest first. A version is a hard link to the inode that
 * was the key's file (its xattr record travels with it; a sidecar record is filed for the entry
 * by copyRecord); a marker is an empty file.
 *
 * The current version is the file at the key's path, never an entry here. A move aside links
 * the current file here before the new file is renamed over the path, so a crash in between
 * leaves an entry with the current file's id: such an entry is not a noncurrent version, and
 * is ignored by reads and listings and cleared by the next write of the key.
 */

import type { BigStats } from "../../runtime/fs-ops.ts";
import { errCode, O_DIRECTORY, O_RDONLY } from "../../runtime/fs-ops.ts";
import { linkOpenFile } from "../../runtime/serve-file-link.ts";
import type { StoreContext } from "../context.ts";
import { versionError } from "../errors.ts";
import { compareUtf8 } from "../layout/keys.ts";
import { mkdirs } from "../layout/mkdirs.ts";
import type { RecordTarget } from "../metadata/store.ts";
import { isVersionId, NULL_VERSION, versionTime } from "./ids.ts";

export const VERSIONS_DIR = "versions";
/** Under a level of the versions store: histories of keys, and deeper levels. */
export const KEYS = "k";
export const DIRS = "d";

export interface HistoryEntry {
  /** File name in the key's history directory. */
  name: string;
  sortId: string;
  /** Public id: the sort id, or `null`. */
  versionId: string;
  deleteMarker: boolean;
}

const ENTRY = /^([0-9a-z]{29})\.(v|m|nv|nm)$/;

export function parseEntry(name: string): HistoryEntry | undefined {
  const m = ENTRY.exec(name);
  if (!m) return undefined;
  const kind = m[2]!;
  const sortId = m[1]!;
  return {
    name,
    sortId,
    versionId: kind.startsWith("n") ? NULL_VERSION : sortId,
    deleteMarker: kind.endsWith("m"),
  };
}

export function entryName(sortId: string, versionId: string, deleteMarker: boolean): string {
  return `${sortId}.${versionId === NULL_VERSION ? "n" : ""}${deleteMarker ? "m" : "v"}`;
}

/** Last-Modified of a delete marker: the time its id carries. */
export function markerDate(e: HistoryEntry): Date {
  return new Date(versionTime(e.sortId));
}

/** The versions store of a bucket. */
export function versionsRoot(ctx: StoreContext, bucket: string): string {
  return ctx.layout.reserved(bucket, VERSIONS_DIR);
}

/** The history directory of a (file) key. */
export function historyDir(ctx: StoreContext, bucket: string, key: string): string {
  const segments = key.split("/");
  const last = segments.pop()!;
  let path = versionsRoot(ctx, bucket);
  for (const s of segments) path += `/${DIRS}/${s}`;
  return `${path}/${KEYS}/${last}`;
}

/** The record target of a history entry (its own sidecar record). */
export function entryTarget(ctx: StoreContext, bucket: string, key: string, name: string): RecordTarget {
  return { bucketPath: ctx.layout.bucket(bucket), key, version: name };
}

/** The key's entries, newest first (by sort id). */
export async function readHistory(ctx: StoreContext, bucket: string, key: string): Promise<HistoryEntry[]> {
  let names: string[];
  try {
    names = (await ctx.ops.readdir(historyDir(ctx, bucket, key)))
      .filter((d) => d.isFile())
      .map((d) => d.name);
  } catch (e) {
    const code = errCode(e);
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw e;
  }
  return sortEntries(names);
}

/** Parsed entries of a history directory's names, newest first. */
export function sortEntries(names: string[]): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const n of names) {
    const e = parseEntry(n);
    if (e) out.push(e);
  }
  return out.sort((a, b) => compareUtf8(b.sortId, a.sortId));
}

/**
 * The kept version of a version id asked for by a read: NoSuchVersion when there is none, and a
 * delete marker is its own error (S3 answers 405 with the marker's id and date).
 */
export async function findReadableEntry(
  ctx: StoreContext,
  bucket: string,
  key: string,
  versionId: string,
): Promise<HistoryEntry> {
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
  return entry;
}

/** The entry of a version id (non-null ids by name, without reading the directory). */
export async function findEntry(
  ctx: StoreContext,
  bucket: string,
  key: string,
  versionId: string,
): Promise<HistoryEntry | undefined> {
  if (versionId === NULL_VERSION) {
    return (await readHistory(ctx, bucket, key)).find((e) => e.versionId === NULL_VERSION);
  }
  if (!isVersionId(versionId)) return undefined;
  const dir = historyDir(ctx, bucket, key);
  for (const marker of [false, true]) {
    const name = entryName(versionId, versionId, marker);
    const st = await ctx.ops.lstat(`${dir}/${name}`).catch(() => undefined);
    if (st?.isFile()) return parseEntry(name);
  }
  return undefined;
}

/** Runs an entry creation in the key's history directory, making it (again) when missing. */
async function inHistoryDir(ctx: StoreContext, dir: string, create: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await create();
      break;
    } catch (e) {
      const code = errCode(e);
      if (code === "EEXIST") break; // the same version, linked by an earlier attempt
      if (code !== "ENOENT" || attempt > 4) throw e;
      await mkdirs(ctx.ops, dir);
    }
  }
  if (ctx.fsync) {
    const fd = await ctx.ops.open(dir, O_RDONLY | O_DIRECTORY);
    try {
      await ctx.ops.fsync(fd);
    } finally {
      await ctx.ops.close(fd);
    }
  }
}

/**
 * Keeps the open file (the key's current version, fstat st) as the entry `name`: a hard link
 * of the very inode whose record was read, with its sidecar record (if any) filed for the entry.
 */
export async function keepVersion(
  ctx: StoreContext,
  bucket: string,
  key: string,
  fd: number,
  st: BigStats,
  name: string,
): Promise<void> {
  const dir = historyDir(ctx, bucket, key);
  const from = { bucketPath: ctx.layout.bucket(bucket), key };
  await ctx.meta.copyRecord(fd, st, from, entryTarget(ctx, bucket, key, name));
  await inHistoryDir(ctx, dir, async () => linkOpenFile(fd, `${dir}/${name}`));
}

export async function addMarker(ctx: StoreContext, bucket: string, key: string, name: string): Promise<void> {
  const dir = historyDir(ctx, bucket, key);
  await inHistoryDir(ctx, dir, () => ctx.ops.writeNewFile(`${dir}/${name}`, new Uint8Array(0)));
}

/** Removes an entry and its sidecar record; empty history directories are pruned. */
export async function removeEntry(ctx: StoreContext, bucket: string, key: string, e: HistoryEntry) {
  const path = `${historyDir(ctx, bucket, key)}/${e.name}`;
  const st = await ctx.ops.lstat(path).catch(() => undefined);
  if (!st) return;
  const gen = st.isFile() ? await ctx.quota.freeing(bucket) : undefined;
  try {
    await ctx.ops.unlink(path);
    // In a bucket with a quota a removed version's bytes are free at once.
    if (st.isFile()) await ctx.quota.freed(bucket, Number(st.size), gen);
  } catch (err) {
    if (errCode(err) !== "ENOENT") throw err;
  }
  if (!e.deleteMarker) await ctx.meta.forget(st.ino, entryTarget(ctx, bucket, key, e.name)).catch(() => {});
}

/** Removes the key's history directory and the levels above it that are left empty. */
export async function pruneHistory(ctx: StoreContext, bucket: string, key: string): Promise<void> {
  const root = versionsRoot(ctx, bucket);
  let path = historyDir(ctx, bucket, key);
  while (path.length > root.length) {
    try {
      await ctx.ops.rmdir(path);
    } catch {
      return; // not empty (ENOTEMPTY), or gone already
    }
    path = path.slice(0, path.lastIndexOf("/")); // the k/ or d/ level
    if (path.length <= root.length) return;
    try {
      await ctx.ops.rmdir(path);
    } catch {
      return;
    }
    path = path.slice(0, path.lastIndexOf("/"));
  }
}

/** True when no version or marker of any key is kept (empty levels are pruned on the way). */
export async function historyIsEmpty(ctx: StoreContext, bucket: string): Promise<boolean> {
  const walk = async (path: string): Promise<boolean> => {
    let entries: Awaited<ReturnType<typeof ctx.ops.readdir>>;
    try {
      entries = await ctx.ops.readdir(path);
    } catch (e) {
      if (errCode(e) === "ENOENT") return true;
      throw e;
    }
    for (const d of entries) {
      if (!d.isDirectory() || !(await walk(`${path}/${d.name}`))) return false;
    }
    await ctx.ops.rmdir(path).catch(() => {});
    return true;
  };
  return walk(versionsRoot(ctx, bucket));
}
