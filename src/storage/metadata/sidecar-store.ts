/**
 * Sidecar metadata records in the bucket's state directory (`meta/`, see Layout.reserved), for filesystems without xattrs and
 * for records too large for one. One file per key, named by the SHA-256 of the key, holding
 * the key and up to two records: the newest, and the previous one for another inode. Keeping
 * the previous record lets a put write the sidecar *before* it renames the new file into
 * place without readers of the old version losing its record. Written temp + rename; each
 * read-modify-write holds a flock(2) on its shard's lock file (`locks/meta-xx`, on
 * any host), so a put's record and a rewrite of the previous inode's record (SSE master key
 * rotation) or two puts of one key never drop each other.
 */
import { lockExclusive } from "../../runtime/file-lock.ts";
import { errCode, type FsOps, O_CREAT, O_RDWR } from "../../runtime/fs-ops.ts";
import { createHasher } from "../../runtime/hasher.ts";
import { mkdirs } from "../layout/mkdirs.ts";
import { bucketStateOf } from "../layout/paths.ts";
import { randomName } from "../layout/temp-names.ts";
import type { MetadataRecord } from "./record.ts";

const LOCK_TIMEOUT_MS = 10_000;

export interface RecordTarget {
  /** Real path of the bucket directory. */
  bucketPath: string;
  key: string;
  /**
   * A noncurrent version or delete marker of the key (its entry name in the versions store,
   * ../versions/history.ts): its sidecar record is its own, apart from the key's.
   */
  version?: string;
}

/** The name a target's sidecar is filed under: the key, or key NUL version (no key holds NUL). */
const nameOf = (t: RecordTarget) => (t.version ? `${t.key}\0${t.version}` : t.key);

interface SidecarFile {
  key: string;
  records: MetadataRecord[];
}

const hex = (s: string) => {
  const h = createHasher("sha256");
  h.update(s);
  return h.digest("hex");
};

export class SidecarStore {
  constructor(private readonly ops: FsOps) {}

  path(t: RecordTarget): string {
    const h = hex(nameOf(t));
    return `${bucketStateOf(t.bucketPath)}/meta/${h.slice(0, 2)}/${h}`;
  }

  private async load(t: RecordTarget): Promise<SidecarFile | undefined> {
    try {
      const file = JSON.parse((await this.ops.readFile(this.path(t))).toString("utf8")) as SidecarFile;
      return file.key === nameOf(t) && Array.isArray(file.records) ? file : undefined;
    } catch (e) {
      if (errCode(e) === "ENOENT" || e instanceof SyntaxError) return undefined;
      throw e;
    }
  }

  /** The record for this inode, else the newest one (which the caller will find stale). */
  async read(t: RecordTarget, ino: bigint): Promise<MetadataRecord | undefined> {
    const file = await this.load(t);
    if (!file) return undefined;
    const id = ino.toString();
    return file.records.find((r) => r.i === id) ?? file.records[0];
  }

  async write(t: RecordTarget, rec: MetadataRecord): Promise<void> {
    await this.locked(t, async () => {
      const old = await this.load(t);
      const keep = old?.records.find((r) => r.i !== rec.i);
      await this.store(t, { key: nameOf(t), records: keep ? [rec, keep] : [rec] });
    });
  }

  /** Runs a read-modify-write of t's sidecar under its shard's lock. */
  private async locked(t: RecordTarget, run: () => Promise<void>): Promise<void> {
    const shard = this.path(t).split("/").at(-2);
    const lockPath = `${bucketStateOf(t.bucketPath)}/locks/meta-${shard}`;
    let fd: number;
    try {
      fd = await this.ops.open(lockPath, O_RDWR | O_CREAT, 0o600);
    } catch (e) {
      if (errCode(e) !== "ENOENT") throw e;
      await mkdirs(this.ops, lockPath.slice(0, lockPath.lastIndexOf("/")));
      fd = await this.ops.open(lockPath, O_RDWR | O_CREAT, 0o600);
    }
    try {
      if (!(await lockExclusive(fd, LOCK_TIMEOUT_MS))) {
        throw new Error(`metadata record of ${t.key}: lock not acquired in ${LOCK_TIMEOUT_MS} ms`);
      }
      await run();
    } finally {
      await this.ops.close(fd);
    }
  }

  /**
   * Forgets the record of a deleted inode and the older ones behind it; a newer record (of a
   * put that wrote its sidecar and is about to rename) stays.
   */
  async remove(t: RecordTarget, ino: bigint): Promise<void> {
    if (!(await this.load(t))) return;
    await this.locked(t, async () => {
      const old = await this.load(t);
      if (!old) return;
      const id = ino.toString();
      const at = old.records.findIndex((r) => r.i === id);
      if (at < 0) return;
      const records = old.records.slice(0, at);
      if (records.length > 0) return this.store(t, { key: nameOf(t), records });
      try {
        await this.ops.unlink(this.path(t));
      } catch (e) {
        if (errCode(e) !== "ENOENT") throw e;
      }
    });
  }

  private async store(t: RecordTarget, file: SidecarFile): Promise<void> {
    const target = this.path(t);
    const tmpDir = `${bucketStateOf(t.bucketPath)}/tmp`;
    const tmp = `${tmpDir}/${randomName("meta")}`;
    const data = new TextEncoder().encode(JSON.stringify(file));
    try {
      await this.ops.writeNewFile(tmp, data);
    } catch (e) {
      if (errCode(e) !== "ENOENT") throw e;
      await mkdirs(this.ops, tmpDir);
      await this.ops.writeNewFile(tmp, data);
    }
    try {
      try {
        await this.ops.rename(tmp, target);
      } catch (e) {
        if (errCode(e) !== "ENOENT") throw e;
        await mkdirs(this.ops, target.slice(0, target.lastIndexOf("/")));
        await this.ops.rename(tmp, target);
      }
    } catch (e) {
      await this.ops.unlink(tmp).catch(() => {});
      throw e;
    }
  }
}
