/**
 * Cluster-wide exclusive locks for conditional writes (If-Match, If-None-Match), held with flock(2) on lock
 * files under `<bucket>/.s3dir/locks/`. Keys are spread over 256 lock files by a hash of the
 * key (no lock file per key to clean up; unrelated keys sharing a stripe only queue behind
 * each other). Each acquisition opens its own descriptor, so requests within one process
 * exclude each other exactly as across hosts. The lock is released by closing the file,
 * also when the process or host dies.
 */

import { lockExclusive } from "../../runtime/file-lock.ts";
import { errCode, type FsOps, O_CREAT, O_RDWR } from "../../runtime/fs-ops.ts";
import { crc32 } from "../../runtime/hasher.ts";
import { StorageError } from "../errors.ts";
import { mkdirs } from "./mkdirs.ts";
import type { Layout } from "./paths.ts";

export const LOCK_TIMEOUT_MS = 10_000;

export async function withKeyLock<T>(
  ops: FsOps,
  layout: Layout,
  bucket: string,
  key: string,
  run: () => Promise<T>,
  timeoutMs = LOCK_TIMEOUT_MS,
): Promise<T> {
  const stripe = (crc32(key) & 0xff).toString(16).padStart(2, "0");
  const dir = layout.reserved(bucket, "locks");
  const path = `${dir}/${stripe}`;
  let fd: number;
  try {
    fd = await ops.open(path, O_RDWR | O_CREAT, 0o600);
  } catch (e) {
    if (errCode(e) !== "ENOENT") throw e;
    const bst = await ops.lstat(layout.bucket(bucket)).catch(() => undefined);
    if (!bst?.isDirectory()) throw new StorageError("NoSuchBucket");
    await mkdirs(ops, dir);
    fd = await ops.open(path, O_RDWR | O_CREAT, 0o600);
  }
  try {
    if (!(await lockExclusive(fd, timeoutMs))) {
      throw new StorageError("ConditionalConflict", "a concurrent conditional write holds this key");
    }
    return await run();
  } finally {
    await ops.close(fd);
  }
}
