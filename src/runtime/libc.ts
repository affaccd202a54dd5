/**
 * The few libc calls Node's fs does not offer (extended attributes, flock),
 * reached through bun:ffi. Everything here is synchronous: each call is one cheap syscall
 * (getxattr measured ~1–4 µs). The Node build swaps this module for node/libc.ts (koffi).
 */
import { dlopen, FFIType, read } from "bun:ffi";
import { Errno } from "./libc-errno.ts";

export { Errno };

const { i32, i64, ptr: p, u64, cstring } = FFIType;

const lib = dlopen("libc.so.6", {
  fgetxattr: { args: [i32, p, p, u64], returns: i64 },
  fsetxattr: { args: [i32, p, p, u64, i32], returns: i32 },
  fremovexattr: { args: [i32, p], returns: i32 },
  lgetxattr: { args: [p, p, p, u64], returns: i64 },
  lsetxattr: { args: [p, p, p, u64, i32], returns: i32 },
  lremovexattr: { args: [p, p], returns: i32 },
  flock: { args: [i32, i32], returns: i32 },
  __errno_location: { args: [], returns: p },
  strerror: { args: [i32], returns: cstring },
});

const errnoNames = new Map<number, string>(Object.entries(Errno).map(([k, v]) => [v, k]));

function lastErrno(): number {
  const at = lib.symbols.__errno_location();
  return at ? read.i32(at, 0) : 0;
}

/** An Error shaped like Node's fs errors (code, errno, syscall) from the current errno. */
export function errnoError(syscall: string, path?: string): NodeJS.ErrnoException {
  const errno = lastErrno();
  const code = errnoNames.get(errno) ?? `E${errno}`;
  const err: NodeJS.ErrnoException = new Error(
    `${code}: ${String(lib.symbols.strerror(errno))}, ${syscall}${path ? ` '${path}'` : ""}`,
  );
  err.code = code;
  err.errno = -errno;
  err.syscall = syscall;
  if (path) err.path = path;
  return err;
}

export function cString(s: string): Buffer {
  return Buffer.from(`${s}\0`, "utf8");
}

export { lib as libc };
