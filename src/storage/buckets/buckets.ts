/**
 * Buckets are the top-level directories of the root (valid bucket names only, never a
 * symlink, never `.s3dir`). Creating one also creates its state directory (Layout.reserved)
 * and the empty file `created` there, whose mtime is the creation date (a directory's own
 * mtime moves with its entries). Buckets made outside s3dir use their directory's birth time,
 * else mtime.
 */
import { rm } from "node:fs/promises";
import { errCode, type FsOps } from "../../runtime/fs-ops.ts";
import { StorageError } from "../errors.ts";
import { checkBucketName, compareUtf8, isValidBucketName, RESERVED } from "../layout/keys.ts";
import { mkdirs } from "../layout/mkdirs.ts";
import type { Layout } from "../layout/paths.ts";
import type { BucketInfo } from "../types.ts";

/** names: the bucket directory's entries; inReserved: the entries of its `.s3dir`. */
function notEmpty(names: string[], inReserved: string[]): StorageError {
  // Only the alternate area's `keys` there: objects, as anywhere else in the bucket.
  const onlyLegacy = inReserved.some((n) => n !== "keys");
  return names.length === 1 && names[0] === RESERVED && onlyLegacy
    ? new StorageError(
        "BucketNotEmpty",
        `The bucket directory holds only ${RESERVED}, which s3dir no longer uses there; remove it through the filesystem`,
      )
    : new StorageError("BucketNotEmpty");
}

export class Buckets {
  /** name → creation date, valid while the root directory is unchanged (see list). */
  private created = new Map<string, Date>();
  private rootStamp = "";

  constructor(
    private readonly ops: FsOps,
    private readonly layout: Layout,
    private readonly hooks: {
      /** Throws BucketNotEmpty while state that keeps the bucket remains (kept versions). */
      beforeDelete?: (name: string) => Promise<void>;
      /** A bucket was created or deleted: forget what is cached of one of that name. */
      changed?: (name: string) => void;
    } = {},
  ) {}

  async list(): Promise<BucketInfo[]> {
    const rst = await this.ops.lstat(this.layout.root);
    const stamp = `${rst.ino}:${rst.mtimeNs}`;
    const trusted = BigInt(Date.now()) * 1_000_000n - rst.mtimeNs > 1_000_000_000n;
    if (stamp !== this.rootStamp || !trusted) this.created = new Map();
    this.rootStamp = trusted ? stamp : "";
    const out: BucketInfo[] = [];
    for (const d of await this.ops.readdir(this.layout.root)) {
      if (!d.isDirectory() || !isValidBucketName(d.name)) continue;
      let created = this.created.get(d.name);
      if (!created) {
        created = await this.creationDate(d.name).catch(() => undefined);
        if (!created) continue;
        this.created.set(d.name, created);
      }
      out.push({ name: d.name, created });
    }
    return out.sort((a, b) => compareUtf8(a.name, b.name));
  }

  private async creationDate(name: string): Promise<Date | undefined> {
    try {
      const st = await this.ops.lstat(this.layout.reserved(name, "created"));
      return new Date(Number(st.mtimeNs / 1_000_000n));
    } catch {
      const st = await this.ops.lstat(this.layout.bucket(name));
      if (!st.isDirectory()) return undefined;
      const ns = st.birthtimeNs > 0n ? st.birthtimeNs : st.mtimeNs;
      return new Date(Number(ns / 1_000_000n));
    }
  }

  async create(name: string): Promise<void> {
    checkBucketName(name);
    try {
      await this.ops.mkdir(this.layout.bucket(name));
    } catch (e) {
      if (errCode(e) === "EEXIST") throw new StorageError("BucketExists");
      throw e;
    }
    // State left by an earlier bucket of this name (removed through POSIX) must not apply to
    // this one: its policy could open the new bucket to anyone.
    const state = this.layout.reserved(name);
    await rm(state, { recursive: true, force: true });
    await mkdirs(this.ops, state, 0o700);
    await this.ops.writeNewFile(this.layout.reserved(name, "created"), new Uint8Array(0));
    this.hooks.changed?.(name);
  }

  async head(name: string): Promise<BucketInfo> {
    if (!isValidBucketName(name)) throw new StorageError("NoSuchBucket");
    const st = await this.ops.lstat(this.layout.bucket(name)).catch(() => undefined);
    if (!st?.isDirectory()) throw new StorageError("NoSuchBucket");
    const created = this.created.get(name) ?? (await this.creationDate(name));
    return { name, created: created ?? new Date(0) };
  }

  /**
   * Removes the (empty) directory, then the bucket's state; if a writer slipped an entry in
   * meanwhile, rmdir fails and the bucket stays as it was: BucketNotEmpty. A `.s3dir` inside
   * the bucket is content like any other (earlier versions kept state there): it is never
   * removed by the server, since whoever owns the bucket directory may have put links in it.
   */
  async delete(name: string): Promise<void> {
    await this.head(name);
    const path = this.layout.bucket(name);
    const entries = await this.ops.readdir(path);
    if (entries.length > 0) {
      const names = entries.map((d) => d.name);
      const inReserved = names.includes(RESERVED)
        ? await this.ops.readdir(`${path}/${RESERVED}`).then(
            (ds) => ds.map((d) => d.name),
            () => [],
          )
        : [];
      throw notEmpty(names, inReserved);
    }
    await this.hooks.beforeDelete?.(name);
    try {
      await this.ops.rmdir(path);
      this.created.delete(name);
      this.hooks.changed?.(name);
    } catch (e) {
      if (errCode(e) === "ENOTEMPTY" || errCode(e) === "EEXIST") throw new StorageError("BucketNotEmpty");
      throw e;
    }
    await rm(this.layout.reserved(name), { recursive: true, force: true });
  }
}
