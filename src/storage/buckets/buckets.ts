/**
 * Buckets are the top-level directories of the root (valid bucket names only, never a
 * symlink, never `.s3dir`). Creating one also creates its state directory (Layout.reserved)
 * and the empty file `created` there, whose mtime is the creation date (a directory's own
 * mtime moves with its entries). Buckets made outside s3dir use their directory's birth time,
 * else mtime.
 */
import { rm } from "node:fs/promises";
import { errCode, type FsOps, O_DIRECTORY, O_RDONLY } from "../../runtime/fs-ops.ts";
import { StorageError } from "../errors.ts";
import { bindPathOf, removeBind, writeBind } from "../layout/bucket-binds.ts";
import { checkBucketName, compareUtf8, isValidBucketName, RESERVED } from "../layout/keys.ts";
import { mkdirs } from "../layout/mkdirs.ts";
import { type Layout, openVerified } from "../layout/paths.ts";
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
    for (const name of this.layout.boundNames()) {
      const info = await this.head(name).catch(() => undefined);
      if (info) out.push(info);
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
    if (this.layout.boundPath(name) !== undefined) throw new StorageError("BucketExists");
    try {
      await this.ops.mkdir(this.layout.bucket(name));
    } catch (e) {
      if (errCode(e) === "EEXIST") throw new StorageError("BucketExists");
      throw e;
    }
    await this.freshState(name);
    this.hooks.changed?.(name);
  }

  /** State left by an earlier bucket of this name (removed through POSIX) must not apply to a new one: its policy could open it to anyone. */
  private async freshState(name: string): Promise<void> {
    const state = this.layout.reserved(name);
    await rm(state, { recursive: true, force: true });
    await mkdirs(this.ops, state, 0o700);
    await this.ops.writeNewFile(this.layout.reserved(name, "created"), new Uint8Array(0));
  }

  /**
   * Exposes a directory that already exists beneath the root as bucket `name`, without copying or
   * linking anything (bucket-binds.ts). The directory must be reached from the root without a
   * symlink, be on the root's filesystem (publishing renames from the state directory into it) and
   * not be the system directory or a bucket of its own.
   */
  async bind(name: string, dir: string): Promise<void> {
    checkBucketName(name);
    const rel = bindPathOf(this.layout.root, dir);
    if (this.layout.boundPath(name) !== undefined) throw new StorageError("BucketExists");
    if (
      await this.ops.lstat(this.layout.bucket(name)).then(
        () => true,
        () => false,
      )
    )
      throw new StorageError("BucketExists");
    const path = `${this.layout.root}/${rel}`;
    let opened: Awaited<ReturnType<typeof openVerified>>;
    try {
      opened = await openVerified(this.ops, path, O_RDONLY | O_DIRECTORY, this.layout);
    } catch (e) {
      throw new StorageError(
        "InvalidRequest",
        `${dir}: not a directory beneath the root (${errCode(e) ?? e})`,
      );
    }
    if (!opened.ok)
      throw new StorageError("InvalidRequest", `${dir}: not a directory, or reached through a symlink`);
    await this.ops.close(opened.fd);
    const root = await this.ops.lstat(this.layout.root);
    if (opened.st.dev !== root.dev)
      throw new StorageError("InvalidRequest", `${dir} is on another filesystem than the root`);
    for (const [other, otherRel] of this.layout
      .boundNames()
      .map((n) => [n, this.layout.boundPath(n)] as const))
      if (otherRel === rel) throw new StorageError("InvalidRequest", `${dir} is already the bucket ${other}`);
    await this.freshState(name);
    await writeBind(this.ops, this.layout.root, name, rel);
    this.layout.refreshBinds();
    this.hooks.changed?.(name);
  }

  /**
   * Detaches a bucket and keeps its files: its server state (settings, policy, uploads, versions
   * kept there) is removed; the directory stays. A bound bucket's directory stops being a bucket; a
   * top-level one stays one (every top-level directory is), with no state.
   */
  async unlink(name: string): Promise<void> {
    await this.head(name);
    await removeBind(this.ops, this.layout.root, name);
    this.layout.refreshBinds();
    this.created.delete(name);
    this.hooks.changed?.(name);
    await rm(this.layout.reserved(name), { recursive: true, force: true });
  }

  async head(name: string): Promise<BucketInfo> {
    if (!isValidBucketName(name)) throw new StorageError("NoSuchBucket");
    if (this.layout.boundPath(name) !== undefined) {
      // A bound directory may sit below directories a POSIX user can swap for links.
      const opened = await openVerified(
        this.ops,
        this.layout.bucket(name),
        O_RDONLY | O_DIRECTORY,
        this.layout,
      ).catch(() => undefined);
      if (!opened?.ok) throw new StorageError("NoSuchBucket");
      await this.ops.close(opened.fd);
      const created = await this.creationDate(name).catch(() => undefined);
      return { name, created: created ?? new Date(0) };
    }
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
    if (this.layout.boundPath(name) !== undefined) {
      // The directory was there before the bucket and stays: only the bucket goes.
      await removeBind(this.ops, this.layout.root, name);
      this.layout.refreshBinds();
      this.hooks.changed?.(name);
      await rm(this.layout.reserved(name), { recursive: true, force: true });
      return;
    }
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
