/**
 * openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, through bun:ffi: one system call that
 * opens a path below a directory descriptor and fails (ELOOP, EXDEV) if any component is a
 * symlink or the path would leave that directory, instead of an open with O_NOFOLLOW and a
 * readlink of /proc/self/fd to check the intermediate components. Synchronous: for local
 * filesystems only. Linux 5.6+; where the kernel (or a seccomp filter) answers ENOSYS,
 * `openBeneath` returns undefined from then on and callers keep the open + readlink path.
 * The Node build swaps this module for node/open-beneath.ts.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";
import { constants, openSync } from "node:fs";
import { Errno, errnoError } from "./libc.ts";

/** openat2 has one number on every architecture that has it (asm-generic, x86_64 and arm64 alike). */
const SYS_OPENAT2 = 437;
const RESOLVE_NO_SYMLINKS = 0x04;
const RESOLVE_BENEATH = 0x08;
const O_PATH = 0o10000000;

const supportedArch = process.platform === "linux" && (process.arch === "x64" || process.arch === "arm64");

const lib = supportedArch
  ? dlopen("libc.so.6", {
      syscall: {
        args: [FFIType.i64, FFIType.i32, FFIType.ptr, FFIType.ptr, FFIType.u64],
        returns: FFIType.i64,
      },
    })
  : undefined;

let available = supportedArch;
/** struct open_how { u64 flags; u64 mode; u64 resolve; }, reused (calls are synchronous). */
const how = new BigUint64Array([0n, 0n, BigInt(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)]);
const howPtr = lib ? ptr(how) : 0;
const encoder = new TextEncoder();
/** A reused buffer for the NUL-terminated path (calls are synchronous); PATH_MAX bytes and the NUL. */
const pathBuffer = new Uint8Array(4097);

/** `relative` as a NUL-terminated C string: in the reused buffer, or a new one when it is longer. */
function cPath(relative: string): Uint8Array {
  // UTF-8 takes at most 3 bytes per UTF-16 unit.
  if (relative.length * 3 >= pathBuffer.length) return encoder.encode(`${relative}\0`);
  const { written } = encoder.encodeInto(relative, pathBuffer);
  pathBuffer[written] = 0;
  return pathBuffer;
}

/** An O_PATH descriptor of a directory to open beneath; undefined where openat2 is unavailable. */
export function openBeneathRoot(dir: string): number | undefined {
  if (!available) return undefined;
  return openSync(dir, O_PATH | constants.O_DIRECTORY);
}

/**
 * Opens `relative` (no leading slash) below the directory open on dirFd, following no symlink;
 * undefined when openat2 is unavailable. Errors are Node-shaped (code, errno, syscall).
 */
export function openBeneath(dirFd: number, relative: string, flags: number): number | undefined {
  if (!available || !lib) return undefined;
  how[0] = BigInt(flags);
  const fd = Number(lib.symbols.syscall(SYS_OPENAT2, dirFd, cPath(relative), howPtr, 24));
  if (fd >= 0) return fd;
  const err = errnoError("openat2", relative);
  if (err.errno === -Errno.ENOSYS) {
    available = false;
    return undefined;
  }
  throw err;
}
