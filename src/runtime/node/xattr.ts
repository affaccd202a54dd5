/**
 * Extended attributes through libc (koffi), the Node twin of ../xattr.ts: the same calls, names
 * and values, so records written by a Bun host read back here and the other way round.
 */
import { Errno, errnoError, libc } from "./libc.ts";

const { fgetxattr, fsetxattr, fremovexattr, lgetxattr, lsetxattr, lremovexattr } = libc;

/** Large enough for any value a filesystem stores (Linux caps one value at 64 KiB). */
const readBuffer = new Uint8Array(65536);

function result(n: number | bigint, syscall: string, path?: string): Uint8Array | undefined {
  const len = Number(n);
  if (len >= 0) return readBuffer.slice(0, len);
  const err = errnoError(syscall, path);
  if (err.errno === -Errno.ENODATA) return undefined;
  throw err;
}

export function fGetXattr(fd: number, name: string): Uint8Array | undefined {
  return result(fgetxattr(fd, name, readBuffer, readBuffer.length), "fgetxattr");
}

export function lGetXattr(path: string, name: string): Uint8Array | undefined {
  return result(lgetxattr(path, name, readBuffer, readBuffer.length), "lgetxattr", path);
}

export function fSetXattr(fd: number, name: string, value: Uint8Array): void {
  if (fsetxattr(fd, name, value, value.length, 0) !== 0) throw errnoError("fsetxattr");
}

export function lSetXattr(path: string, name: string, value: Uint8Array): void {
  if (lsetxattr(path, name, value, value.length, 0) !== 0) throw errnoError("lsetxattr", path);
}

/** Removes an attribute; a missing one is not an error. */
export function fRemoveXattr(fd: number, name: string): void {
  if (fremovexattr(fd, name) !== 0) {
    const err = errnoError("fremovexattr");
    if (err.errno !== -Errno.ENODATA) throw err;
  }
}

export function lRemoveXattr(path: string, name: string): void {
  if (lremovexattr(path, name) !== 0) {
    const err = errnoError("lremovexattr", path);
    if (err.errno !== -Errno.ENODATA) throw err;
  }
}

/** True when the error means "this filesystem does not do xattrs". */
export function isXattrUnsupported(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === "EOPNOTSUPP" || code === "ENOSYS" || code === "EPERM" || code === "EACCES";
}

/** True when the error means "this value does not fit in an xattr here". */
export function isXattrTooLarge(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === "ERANGE" || code === "E2BIG" || code === "ENOSPC";
}
