/**
 * Real directory quotas of the root's filesystem, set beside s3dir's own (`bucket quota set
 * --fs-quota`): XFS project quotas (the mount has prjquota/pquota) and CephFS
 * `ceph.quota.max_bytes`. The filesystem then refuses a write past the limit with EDQUOT,
 * whoever writes (S3 or POSIX), which storage maps to QuotaExceeded.
 *
 * XFS refuses a rename into a project-inheriting directory from another project (EXDEV), and
 * s3dir stages every write in the bucket's state directory before renaming it into the bucket;
 * so the project covers both, the bucket and its state (noncurrent versions and multipart parts
 * count too, as they do for s3dir's quota). What was set is recorded in `<state>/quota/fs`.
 */
import { execFile } from "node:child_process";
import { readFile, realpath, rename, writeFile } from "node:fs/promises";
import { errCode, fsOps } from "../../runtime/fs-ops.ts";
import { lGetXattr, lSetXattr } from "../../runtime/xattr.ts";
import { StorageError } from "../errors.ts";
import { mkdirs } from "../layout/mkdirs.ts";
import type { Layout } from "../layout/paths.ts";
import { randomName } from "../layout/temp-names.ts";
import { mountOf } from "./fs-mounts.ts";

export type FsQuotaSupport =
  | { kind: "xfs"; mountPoint: string }
  | { kind: "cephfs"; mountPoint: string }
  | { kind: "none"; fsType: string; reason: string };

export interface FsQuotaRecord {
  kind: "xfs" | "cephfs";
  bytes: number;
  /** XFS: the project id (derived from the bucket name) and the mount xfs_quota was given. */
  projectId?: number;
  mountPoint?: string;
}

const CEPH_QUOTA = "ceph.quota.max_bytes";
const XFS_QUOTA_OPTIONS = new Set(["prjquota", "pquota"]);

/** Which real directory quotas the filesystem holding path offers. */
export async function fsQuotaSupport(path: string): Promise<FsQuotaSupport> {
  const real = await realpath(path);
  const mount = mountOf(real);
  if (!mount) return { kind: "none", fsType: "unknown", reason: "/proc/self/mountinfo is not readable" };
  if (mount.fsType === "xfs") {
    if (mount.options.some((o) => XFS_QUOTA_OPTIONS.has(o))) {
      return { kind: "xfs", mountPoint: mount.mountPoint };
    }
    return {
      kind: "none",
      fsType: "xfs",
      reason: `${mount.mountPoint} is XFS mounted without prjquota (or the kernel lacks XFS quotas)`,
    };
  }
  if (mount.fsType === "ceph" || mount.fsType.startsWith("fuse.ceph")) {
    try {
      lGetXattr(real, CEPH_QUOTA);
      return { kind: "cephfs", mountPoint: mount.mountPoint };
    } catch (e) {
      return { kind: "none", fsType: mount.fsType, reason: `${CEPH_QUOTA} is not readable (${errCode(e)})` };
    }
  }
  return {
    kind: "none",
    fsType: mount.fsType,
    reason: `${mount.fsType} has no directory quotas s3dir can set`,
  };
}

/**
 * The XFS project id of a bucket: FNV-1a of its name, kept clear of the low ids operators
 * usually hand out by hand (below 65536) and of 0 (no project).
 */
export function projectIdOf(bucket: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(bucket)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return 0x10000 + (h % 0x7ffe0000);
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const detail = `${stderr}`.trim() || error.message;
      reject(new StorageError("InvalidRequest", `${command} failed: ${detail}`, undefined, { cause: error }));
    });
  });
}

function recordPath(layout: Layout, bucket: string): string {
  return `${layout.reserved(bucket, "quota")}/fs`;
}

export async function readFsQuota(layout: Layout, bucket: string): Promise<FsQuotaRecord | undefined> {
  try {
    return JSON.parse(await readFile(recordPath(layout, bucket), "utf8")) as FsQuotaRecord;
  } catch (e) {
    if (errCode(e) === "ENOENT" || e instanceof SyntaxError) return undefined;
    throw e;
  }
}

async function writeRecord(layout: Layout, bucket: string, record: FsQuotaRecord | undefined) {
  const path = recordPath(layout, bucket);
  if (!record) {
    await fsOps(false)
      .unlink(path)
      .catch((e) => {
        if (errCode(e) !== "ENOENT") throw e;
      });
    return;
  }
  const temp = `${layout.reserved(bucket, "quota")}/.${randomName("fs")}`;
  await writeFile(temp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  await rename(temp, path);
}

/** Paths xfs_quota takes as words of its command line. */
function xfsPath(path: string): string {
  if (/\s/.test(path)) {
    throw new StorageError("InvalidRequest", `xfs_quota cannot take a path with white space: ${path}`);
  }
  return path;
}

/** Sets (or changes) the bucket's filesystem quota; throws InvalidRequest where there is none. */
export async function setFsQuota(layout: Layout, bucket: string, bytes: number): Promise<FsQuotaRecord> {
  const dir = layout.bucket(bucket);
  const st = await fsOps(false)
    .lstat(dir)
    .catch(() => undefined);
  if (!st?.isDirectory()) throw new StorageError("NoSuchBucket");
  const support = await fsQuotaSupport(dir);
  if (support.kind === "none") {
    throw new StorageError("InvalidRequest", `no filesystem quota available here: ${support.reason}`);
  }
  const state = layout.reserved(bucket);
  await mkdirs(fsOps(false), layout.reserved(bucket, "quota"));
  let record: FsQuotaRecord;
  if (support.kind === "xfs") {
    const id = projectIdOf(bucket);
    await run("xfs_quota", [
      "-x",
      "-c",
      `project -s -p ${xfsPath(dir)} -p ${xfsPath(state)} ${id}`,
      "-c",
      `limit -p bhard=${bytes} ${id}`,
      xfsPath(support.mountPoint),
    ]);
    record = { kind: "xfs", bytes, projectId: id, mountPoint: support.mountPoint };
  } else {
    lSetXattr(dir, CEPH_QUOTA, new TextEncoder().encode(String(bytes)));
    record = { kind: "cephfs", bytes };
  }
  await writeRecord(layout, bucket, record);
  return record;
}

/** Removes the filesystem quota set by setFsQuota; undefined when there was none. */
export async function unsetFsQuota(layout: Layout, bucket: string): Promise<FsQuotaRecord | undefined> {
  const record = await readFsQuota(layout, bucket);
  if (!record) return undefined;
  if (record.kind === "xfs" && record.projectId && record.mountPoint) {
    const id = record.projectId;
    await run("xfs_quota", [
      "-x",
      "-c",
      `limit -p bhard=0 ${id}`,
      "-c",
      `project -C -p ${xfsPath(layout.bucket(bucket))} -p ${xfsPath(layout.reserved(bucket))} ${id}`,
      xfsPath(record.mountPoint),
    ]);
  } else if (record.kind === "cephfs") {
    // 0 is "no quota" for CephFS.
    lSetXattr(layout.bucket(bucket), CEPH_QUOTA, new TextEncoder().encode("0"));
  }
  await writeRecord(layout, bucket, undefined);
  return record;
}
