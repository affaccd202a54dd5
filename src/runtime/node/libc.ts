/**
 * The libc calls Node's fs does not offer (extended attributes, flock, copy_file_range,
 * linkat), reached through koffi: the same syscalls the Bun modules make through bun:ffi, so
 * Bun and Node hosts share one root (the same xattr records, the same cluster-wide locks).
 */
import koffi from "koffi";
import { Errno } from "../libc-errno.ts";

export { Errno };

const lib = koffi.load("libc.so.6");

export const libc = {
  fgetxattr: lib.func("intptr_t fgetxattr(int fd, const char *name, void *value, size_t size)"),
  fsetxattr: lib.func("int fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)"),
  fremovexattr: lib.func("int fremovexattr(int fd, const char *name)"),
  lgetxattr: lib.func("intptr_t lgetxattr(const char *path, const char *name, void *value, size_t size)"),
  lsetxattr: lib.func(
    "int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)",
  ),
  lremovexattr: lib.func("int lremovexattr(const char *path, const char *name)"),
  flock: lib.func("int flock(int fd, int op)"),
  copy_file_range: lib.func(
    "int64_t copy_file_range(int fd_in, void *off_in, int fd_out, void *off_out, size_t len, unsigned int flags)",
  ),
  linkat: lib.func(
    "int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)",
  ),
  strerror: lib.func("const char *strerror(int errnum)"),
} as const;

const errnoNames = new Map<number, string>(Object.entries(Errno).map(([k, v]) => [v, k]));

/** An Error shaped like Node's fs errors (code, errno, syscall) from the current errno. */
export function errnoError(syscall: string, path?: string): NodeJS.ErrnoException {
  const errno = koffi.errno();
  const code = errnoNames.get(errno) ?? `E${errno}`;
  const err: NodeJS.ErrnoException = new Error(
    `${code}: ${String(libc.strerror(errno))}, ${syscall}${path ? ` '${path}'` : ""}`,
  );
  err.code = code;
  err.errno = -errno;
  err.syscall = syscall;
  if (path) err.path = path;
  return err;
}
