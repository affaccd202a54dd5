/**
 * The directories above a key: created on write (mkdir, component by component, never
 * through a symlink or a file), pruned on delete (now-empty parents up to the bucket,
 * sparing directory objects). The two race safely: a writer whose directory was pruned
 * between mkdir and rename sees ENOENT and starts again (see Publisher).
 */
import { errCode, type FsOps, O_DIRECTORY, O_NOFOLLOW, O_RDONLY } from "../../runtime/fs-ops.ts";
import { parentIsObject, StorageError } from "../errors.ts";
import type { Describer } from "../metadata/describe.ts";
import type { FileOwner } from "../types.ts";
import { chownFd } from "./file-owner.ts";
import { type Layout, openDirVerified, viaFd } from "./paths.ts";

export class ParentDirs {
  constructor(
    private readonly ops: FsOps,
    private readonly layout: Layout,
    private readonly describer: Describer,
    /** fsync a directory after creating an entry in it. */
    private readonly fsync = false,
  ) {}

  /**
   * Opens (creating as needed) the directory that holds key's entry and returns its verified
   * descriptor. Throws NoSuchBucket, or ParentIsObject when a component is a file or symlink.
   * The directories this call makes are given to owner (when set) through their descriptors.
   */
  async open(bucket: string, key: string, owner?: FileOwner): Promise<number> {
    const segments = trimSlash(key).split("/");
    segments.pop();
    const bucketPath = this.layout.bucket(bucket);
    const dirPath = segments.length ? `${bucketPath}/${segments.join("/")}` : bucketPath;
    for (let attempt = 0; attempt < 10; attempt++) {
      const fd = await openDirVerified(this.ops, dirPath, this.layout);
      if (fd !== undefined) return fd;
      await this.create(bucketPath, segments, key, owner);
    }
    throw new Error(`could not create the parent directory of ${key}`);
  }

  /**
   * Creates the missing directories of segments, one component at a time, each reached from
   * its parent's descriptor (`/proc/self/fd/N/name`): a component swapped for a symlink while
   * this runs is refused (ELOOP/ENOTDIR), never followed out of the bucket.
   */
  private async create(
    bucketPath: string,
    segments: string[],
    key: string,
    owner?: FileOwner,
  ): Promise<void> {
    let fd = await openDirVerified(this.ops, bucketPath, this.layout);
    if (fd === undefined) throw new StorageError("NoSuchBucket");
    try {
      let rel = "";
      for (const seg of segments) {
        rel = rel ? `${rel}/${seg}` : seg;
        const child = await this.openOrMake(fd, seg, rel, key, owner);
        if (child === undefined) return;
        await this.ops.close(fd);
        fd = child;
      }
    } finally {
      await this.ops.close(fd);
    }
  }

  /** The descriptor of directory name in parentFd, made if missing; undefined to start over. */
  private async openOrMake(
    parentFd: number,
    name: string,
    rel: string,
    key: string,
    owner?: FileOwner,
  ): Promise<number | undefined> {
    const path = viaFd(parentFd, name);
    let made = false;
    for (let attempt = 0; attempt < 2; attempt++) {
      let fd: number;
      try {
        fd = await this.ops.open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      } catch (e) {
        const code = errCode(e);
        if (code === "ELOOP" || code === "ENOTDIR") {
          const st = await this.ops.lstat(path).catch(() => undefined);
          const what = st?.isSymbolicLink() ? "a symlink" : "an object";
          throw parentIsObject(key, rel, what);
        }
        if (code !== "ENOENT") throw e;
        fd = -1;
      }
      if (fd >= 0) {
        // Only a directory this call made changes owner: one already there is left as it is.
        if (made)
          await chownFd(this.ops, fd, owner).catch(async (e) => {
            await this.ops.close(fd);
            throw e;
          });
        return fd;
      }
      try {
        await this.ops.mkdir(path);
        made = true;
        if (this.fsync) await this.ops.fsync(parentFd);
      } catch (e) {
        // ENOENT: a concurrent delete pruned the parent we hold; the caller starts over.
        if (errCode(e) === "ENOENT") return undefined;
        if (errCode(e) !== "EEXIST") throw e;
      }
    }
    return undefined;
  }

  /**
   * Removes now-empty directories from key's parent up to (not including) the bucket,
   * stopping at the first one that is not empty or is a directory object.
   */
  async prune(bucket: string, key: string): Promise<void> {
    const bucketPath = this.layout.bucket(bucket);
    const segments = trimSlash(key).split("/");
    segments.pop();
    while (segments.length > 0) {
      const rel = segments.join("/");
      const path = `${bucketPath}/${rel}`;
      let st: Awaited<ReturnType<FsOps["lstat"]>>;
      const parentPath = path.slice(0, path.lastIndexOf("/"));
      const parentFd = await openDirVerified(this.ops, parentPath, this.layout).catch(() => undefined);
      if (parentFd === undefined) return;
      try {
        const entry = viaFd(parentFd, segments[segments.length - 1] as string);
        st = await this.ops.lstat(entry);
        if (!st.isDirectory()) return;
        if (await this.describer.isMarkedDirectory(path, st, { bucketPath, key: `${rel}/` })) return;
        // rmdir never follows a final symlink, and the parent was reached without one.
        await this.ops.rmdir(entry);
      } catch {
        return; // ENOTEMPTY, EEXIST, ENOENT (someone else pruned), EBUSY…
      } finally {
        await this.ops.close(parentFd);
      }
      segments.pop();
    }
  }
}

export function trimSlash(key: string): string {
  return key.endsWith("/") ? key.slice(0, -1) : key;
}
