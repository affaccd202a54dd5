/**
 * The directories above a key: created on write (mkdir, component by component, never
 * through a symlink or a file), pruned on delete (now-empty parents up to the bucket,
 * sparing directory objects). The two race safely: a writer whose directory was pruned
 * between mkdir and rename sees ENOENT and starts again (see Publisher).
 */
import { errCode, type FsOps, O_DIRECTORY, O_RDONLY } from "../runtime/fs-ops.ts";
import type { Describer } from "./describe.ts";
import { parentIsObject, StorageError } from "./errors.ts";
import { type Layout, openDirVerified } from "./paths.ts";

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
   */
  async open(bucket: string, key: string): Promise<number> {
    const segments = trimSlash(key).split("/");
    segments.pop();
    const bucketPath = this.layout.bucket(bucket);
    const dirPath = segments.length ? `${bucketPath}/${segments.join("/")}` : bucketPath;
    for (let attempt = 0; attempt < 10; attempt++) {
      const fd = await openDirVerified(this.ops, dirPath);
      if (fd !== undefined) return fd;
      await this.create(bucketPath, segments, key);
    }
    throw new Error(`could not create the parent directory of ${key}`);
  }

  private async create(bucketPath: string, segments: string[], key: string): Promise<void> {
    const bst = await this.ops.lstat(bucketPath).catch(() => undefined);
    if (!bst?.isDirectory()) throw new StorageError("NoSuchBucket");
    let path = bucketPath;
    for (const seg of segments) {
      path = `${path}/${seg}`;
      let st = await this.ops.lstat(path).catch((e) => {
        if (errCode(e) === "ENOENT") return undefined;
        throw e;
      });
      if (!st) {
        try {
          await this.ops.mkdir(path);
          if (this.fsync) await this.syncDir(path.slice(0, path.lastIndexOf("/")));
          continue;
        } catch (e) {
          // ENOENT: a concurrent delete pruned a parent we just made; the caller starts over.
          if (errCode(e) === "ENOENT") return;
          if (errCode(e) !== "EEXIST") throw e;
          st = await this.ops.lstat(path).catch(() => undefined);
          if (!st) return;
        }
      }
      if (!st.isDirectory()) {
        const what = st.isSymbolicLink() ? "a symlink" : "an object";
        throw parentIsObject(key, path.slice(bucketPath.length + 1), what);
      }
    }
  }

  private async syncDir(path: string): Promise<void> {
    const fd = await this.ops.open(path, O_RDONLY | O_DIRECTORY);
    try {
      await this.ops.fsync(fd);
    } finally {
      await this.ops.close(fd);
    }
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
      try {
        st = await this.ops.lstat(path);
        if (!st.isDirectory()) return;
        if (await this.describer.isMarkedDirectory(path, st, { bucketPath, key: `${rel}/` })) return;
        await this.ops.rmdir(path);
      } catch {
        return; // ENOTEMPTY, EEXIST, ENOENT (someone else pruned), EBUSY…
      }
      segments.pop();
    }
  }
}

export function trimSlash(key: string): string {
  return key.endsWith("/") ? key.slice(0, -1) : key;
}
