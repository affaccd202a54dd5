/**
 * Where metadata records live: the `user.s3dir` xattr of the file (or directory), or the
 * sidecar store. The xattr store falls back to a sidecar for records that do not fit and
 * leaves a small marker xattr saying so, so files without any record (written through POSIX)
 * never cost a sidecar lookup.
 */
import { type BigStats, type FsOps, O_CREAT, O_EXCL, O_WRONLY } from "../../runtime/fs-ops.ts";
import { fGetXattrAsync, fSetXattrAsync, lGetXattrAsync } from "../../runtime/fs-threads.ts";
import {
  fGetXattr,
  fRemoveXattr,
  fSetXattr,
  isXattrTooLarge,
  isXattrUnsupported,
  lGetXattr,
} from "../../runtime/xattr.ts";
import { decodeRecord, encodeRecord, freezeRecord, type MetadataRecord } from "./record.ts";
import { RecordCache } from "./record-cache.ts";
import { type RecordTarget, SidecarStore } from "./sidecar-store.ts";

export type { RecordTarget };

export const XATTR_NAME = "user.s3dir";
/** Records above this go to the sidecar: GlusterFS on ext4 bricks caps a value near 3.9 KB. */
const MAX_XATTR_RECORD = 3800;

export interface MetadataStore {
  readonly kind: "xattr" | "file";
  /**
   * The record of an open file or directory (st = its fstat). Records read from xattrs are frozen
   * and shared by every reader of the same file version: copy one before changing it.
   */
  readFd(fd: number, st: BigStats, t: RecordTarget): Promise<MetadataRecord | undefined>;
  /** The record of a path, never following a symlink (st = its lstat). */
  readPath(path: string, st: BigStats, t: RecordTarget): Promise<MetadataRecord | undefined>;
  /** Stores the record on an open file or directory that is, or is about to become, t.key. */
  writeFd(fd: number, t: RecordTarget, rec: MetadataRecord): Promise<void>;
  /** Drops the record of an open file or directory (unmarks a directory object). */
  removeFd(fd: number, st: BigStats, t: RecordTarget): Promise<void>;
  /** Drops what outlives the file itself once it has been unlinked (sidecar entries). */
  forget(ino: bigint, t: RecordTarget): Promise<void>;
  /**
   * Makes the record of an open file (fstat st), filed for `from`, readable for `to` as well: a
   * version moving between the key and the versions store. An xattr record travels with the
   * inode; only a sidecar record is copied.
   */
  copyRecord(fd: number, st: BigStats, from: RecordTarget, to: RecordTarget): Promise<void>;
}

/** Reading where xattrs are unsupported (or the file vanished) yields no record. */
function tolerant(read: () => Uint8Array | undefined): Uint8Array | undefined {
  try {
    return read();
  } catch (e) {
    return noRecord(e);
  }
}

function noRecord(e: unknown): undefined {
  const code = (e as NodeJS.ErrnoException).code;
  if (isXattrUnsupported(e) || code === "ENOENT" || code === "ENOTDIR") return undefined;
  throw e;
}

/** What the cache holds for a file without the attribute (or with one that is not a record). */
const NO_RECORD = Object.freeze({}) as MetadataRecord;

class XattrStore implements MetadataStore {
  readonly kind = "xattr";
  constructor(
    private readonly sidecar: SidecarStore,
    private readonly cache: RecordCache<MetadataRecord>,
    /** Read xattrs on worker threads (runtime/fs-threads.ts): set on network filesystems. */
    private readonly offLoop: boolean,
    /** Whether every host of the root reads compact records (record.ts encodeRecord). */
    private readonly compactAllowed: () => boolean,
  ) {}

  private resolve(rec: MetadataRecord | undefined, st: BigStats, t: RecordTarget) {
    return rec?.x ? this.sidecar.read(t, st.ino) : Promise.resolve(rec);
  }

  /**
   * The xattr's record, decoded once and then from the cache while the file's ctime and size are
   * those of st. Its absence is cached too (setting an xattr moves the ctime as much as changing
   * one does): a listing then asks nothing of directories that are not directory objects, nor of
   * files without a record whose ETag could not be stored.
   */
  private record(st: BigStats, read: () => Uint8Array | undefined): MetadataRecord | undefined {
    const cached = this.cache.get(st);
    if (cached) return cached === NO_RECORD ? undefined : cached;
    return this.remember(st, tolerant(read));
  }

  /** record() with the read on a worker thread (network filesystems: a round trip each). */
  private async recordOffLoop(
    st: BigStats,
    read: () => Promise<Uint8Array | undefined>,
  ): Promise<MetadataRecord | undefined> {
    const cached = this.cache.get(st);
    if (cached) return cached === NO_RECORD ? undefined : cached;
    return this.remember(st, await read().catch(noRecord));
  }

  private remember(st: BigStats, value: Uint8Array | undefined): MetadataRecord | undefined {
    const rec = freezeRecord(decodeRecord(value));
    this.cache.set(st, rec ?? NO_RECORD);
    return rec;
  }

  async readFd(fd: number, st: BigStats, t: RecordTarget) {
    const sync = () => fGetXattr(fd, XATTR_NAME);
    const rec = this.offLoop
      ? await this.recordOffLoop(st, () => fGetXattrAsync(fd, XATTR_NAME, sync))
      : this.record(st, sync);
    return this.resolve(rec, st, t);
  }

  async readPath(path: string, st: BigStats, t: RecordTarget) {
    const sync = () => lGetXattr(path, XATTR_NAME);
    const rec = this.offLoop
      ? await this.recordOffLoop(st, () => lGetXattrAsync(path, XATTR_NAME, sync))
      : this.record(st, sync);
    return this.resolve(rec, st, t);
  }

  async writeFd(fd: number, t: RecordTarget, rec: MetadataRecord) {
    const bytes = encodeRecord(rec, this.compactAllowed());
    if (bytes.length <= MAX_XATTR_RECORD) {
      try {
        if (this.offLoop) await fSetXattrAsync(fd, XATTR_NAME, bytes, () => fSetXattr(fd, XATTR_NAME, bytes));
        else fSetXattr(fd, XATTR_NAME, bytes);
        return;
      } catch (e) {
        if (!isXattrTooLarge(e)) throw e;
      }
    }
    await this.sidecar.write(t, rec);
    fSetXattr(fd, XATTR_NAME, encodeRecord({ v: 1, x: 1 } as MetadataRecord, false));
  }

  async removeFd(fd: number, st: BigStats, t: RecordTarget) {
    const rec = decodeRecord(fGetXattr(fd, XATTR_NAME));
    fRemoveXattr(fd, XATTR_NAME);
    if (rec?.x) await this.sidecar.remove(t, st.ino);
  }

  async forget(ino: bigint, t: RecordTarget) {
    // Only records too large for xattrs were put in the sidecar; removing is cheap either way.
    await this.sidecar.remove(t, ino);
  }

  async copyRecord(fd: number, st: BigStats, from: RecordTarget, to: RecordTarget) {
    if (!decodeRecord(tolerant(() => fGetXattr(fd, XATTR_NAME)))?.x) return;
    await copySidecar(this.sidecar, st, from, to);
  }
}

async function copySidecar(sidecar: SidecarStore, st: BigStats, from: RecordTarget, to: RecordTarget) {
  const rec = await sidecar.read(from, st.ino);
  if (rec && rec.i === st.ino.toString()) await sidecar.write(to, rec);
}

class FileStore implements MetadataStore {
  readonly kind = "file";
  constructor(private readonly sidecar: SidecarStore) {}
  readFd(_fd: number, st: BigStats, t: RecordTarget) {
    return this.sidecar.read(t, st.ino);
  }
  readPath(_path: string, st: BigStats, t: RecordTarget) {
    return this.sidecar.read(t, st.ino);
  }
  writeFd(_fd: number, t: RecordTarget, rec: MetadataRecord) {
    return this.sidecar.write(t, rec);
  }
  removeFd(_fd: number, st: BigStats, t: RecordTarget) {
    return this.sidecar.remove(t, st.ino);
  }
  forget(ino: bigint, t: RecordTarget) {
    return this.sidecar.remove(t, ino);
  }
  copyRecord(_fd: number, st: BigStats, from: RecordTarget, to: RecordTarget) {
    return copySidecar(this.sidecar, st, from, to);
  }
}

/**
 * A local filesystem's ctime comes from this host's clock, ticking every few milliseconds at
 * worst; a network filesystem's may come from another host's, so it must settle for longer.
 */
const SETTLE_MS_LOCAL = 50;
const SETTLE_MS_NETWORK = 1000;

export function createMetadataStore(
  kind: "xattr" | "file",
  ops: FsOps,
  compactAllowed: () => boolean,
): MetadataStore {
  const sidecar = new SidecarStore(ops);
  // Only xattr values are cached: a sidecar record changes without touching the file's ctime.
  const cache = new RecordCache<MetadataRecord>({ settleMs: ops.sync ? SETTLE_MS_LOCAL : SETTLE_MS_NETWORK });
  return kind === "xattr"
    ? new XattrStore(sidecar, cache, !ops.sync, compactAllowed)
    : new FileStore(sidecar);
}

/** Probes once whether the filesystem under dir stores user xattrs (dir must be writable). */
export async function probeXattrSupport(ops: FsOps, dir: string): Promise<boolean> {
  const path = `${dir}/xattr-probe-${process.pid}-${Date.now()}`;
  const fd = await ops.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600);
  try {
    fSetXattr(fd, XATTR_NAME, new TextEncoder().encode("probe"));
    return fGetXattr(fd, XATTR_NAME) !== undefined;
  } catch (e) {
    if (isXattrUnsupported(e)) return false;
    throw e;
  } finally {
    await ops.close(fd);
    await ops.unlink(path).catch(() => {});
  }
}
