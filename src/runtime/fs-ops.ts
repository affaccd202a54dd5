/**
 * The file-system calls storage makes, in two flavours with one promise-returning shape:
 * - async (libuv/Bun thread pool): for network filesystems (FUSE, NFS, SMB), where one call
 *   can take milliseconds and must not stall the event loop;
 * - sync: for local filesystems, where open/fstat/rename are 0.4–3 µs syscalls but the async
 *   round trip costs 30–50 µs each (measured on this machine with Bun 1.4.5).
 * Large data reads and writes go through the async calls (see file-stream.ts), except upload
 * chunks on a local filesystem (storage/objects/temp-writer.ts).
 */
import * as fs from "node:fs";

export type BigStats = fs.BigIntStats;

export interface FsOps {
  readonly sync: boolean;
  open(path: string, flags: number, mode?: number): Promise<number>;
  close(fd: number): Promise<void>;
  fstat(fd: number): Promise<BigStats>;
  lstat(path: string): Promise<BigStats>;
  /** lstat, but undefined when nothing is there (ENOENT): a missing entry costs no thrown error. */
  lstatIfAny(path: string): Promise<BigStats | undefined>;
  mkdir(path: string, mode?: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  link(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  fsync(fd: number): Promise<void>;
  fchown(fd: number, uid: number, gid: number): Promise<void>;
  readdir(path: string): Promise<fs.Dirent[]>;
  /** Reads a regular file; anything else (a FIFO, a device) is ENOENT, never opened blocking. */
  readFile(path: string): Promise<Buffer>;
  /** Creates path exclusively (O_EXCL) with these bytes. */
  writeNewFile(path: string, data: Uint8Array): Promise<void>;
  /** Reads up to length bytes at position; sync flavour only used for small reads. */
  read(fd: number, buf: Uint8Array, offset: number, length: number, position: number): Promise<number>;
}

const big = { bigint: true } as const;
const { O_RDONLY: RD, O_NONBLOCK: NB } = fs.constants;

function notRegular(path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ENOENT: not a regular file, open '${path}'`);
  err.code = "ENOENT";
  err.path = path;
  return err;
}

async function readRegular(path: string): Promise<Buffer> {
  const handle = await fs.promises.open(path, RD | NB);
  try {
    if (!(await handle.stat()).isFile()) throw notRegular(path);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

function readRegularSync(path: string): Buffer {
  const fd = fs.openSync(path, RD | NB);
  try {
    if (!fs.fstatSync(fd).isFile()) throw notRegular(path);
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function cb<T>(run: (done: (err: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))));
}

const asyncOps: FsOps = {
  sync: false,
  open: (p, flags, mode = 0o666) => cb((d) => fs.open(p, flags, mode, d)),
  close: (fd) => cb((d) => fs.close(fd, d)),
  fstat: (fd) => cb((d) => fs.fstat(fd, big, d)),
  lstat: (p) => cb((d) => fs.lstat(p, big, d)),
  lstatIfAny: (p) =>
    cb((d) => fs.lstat(p, big, (e, st) => (e?.code === "ENOENT" ? d(null, undefined) : d(e, st)))),
  mkdir: (p, mode = 0o777) => cb((d) => fs.mkdir(p, { mode }, (e) => d(e))),
  rename: (a, b) => cb((d) => fs.rename(a, b, d)),
  link: (a, b) => cb((d) => fs.link(a, b, d)),
  unlink: (p) => cb((d) => fs.unlink(p, d)),
  rmdir: (p) => cb((d) => fs.rmdir(p, d)),
  fsync: (fd) => cb((d) => fs.fsync(fd, d)),
  fchown: (fd, uid, gid) => cb((d) => fs.fchown(fd, uid, gid, d)),
  readdir: (p) => cb((d) => fs.readdir(p, { withFileTypes: true }, d)),
  readFile: readRegular,
  writeNewFile: (p, data) => cb((d) => fs.writeFile(p, data, { flag: "wx" }, d)),
  read: (fd, buf, off, len, pos) => cb((d) => fs.read(fd, buf, off, len, pos, (e, n) => d(e, n))),
};

async function s<T>(f: () => T): Promise<T> {
  return f();
}

const syncOps: FsOps = {
  sync: true,
  open: (p, flags, mode = 0o666) => s(() => fs.openSync(p, flags, mode)),
  close: (fd) => s(() => fs.closeSync(fd)),
  fstat: (fd) => s(() => fs.fstatSync(fd, big)),
  lstat: (p) => s(() => fs.lstatSync(p, big)),
  // Creating and throwing the ENOENT error costs more than the system call itself.
  lstatIfAny: (p) => s(() => fs.lstatSync(p, { bigint: true, throwIfNoEntry: false })),
  mkdir: (p, mode = 0o777) => s(() => void fs.mkdirSync(p, { mode })),
  rename: (a, b) => s(() => fs.renameSync(a, b)),
  link: (a, b) => s(() => fs.linkSync(a, b)),
  unlink: (p) => s(() => fs.unlinkSync(p)),
  rmdir: (p) => s(() => fs.rmdirSync(p)),
  fsync: (fd) => s(() => fs.fsyncSync(fd)),
  fchown: (fd, uid, gid) => s(() => fs.fchownSync(fd, uid, gid)),
  readdir: (p) => s(() => fs.readdirSync(p, { withFileTypes: true })),
  readFile: (p) => s(() => readRegularSync(p)),
  writeNewFile: (p, data) => s(() => fs.writeFileSync(p, data, { flag: "wx" })),
  read: (fd, buf, off, len, pos) => s(() => fs.readSync(fd, buf, off, len, pos)),
};

/** statfs magic numbers of local filesystems where sync metadata calls are safe. */
const localTypes = new Set([
  0xef53, // ext2/3/4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x2fc12fc1, // zfs
  0xf2f52010, // f2fs
  0x794c7630, // overlayfs
]);

export function isLocalFilesystem(path: string): boolean {
  try {
    return localTypes.has(Number(fs.statfsSync(path).type));
  } catch {
    return false;
  }
}

export function fsOps(sync: boolean): FsOps {
  return sync ? syncOps : asyncOps;
}

export const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY, O_TRUNC } =
  fs.constants;

/** Error code of a Node fs error, or undefined. */
export function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}
