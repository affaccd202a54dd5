/**
 * Serving a large open file with a Content-Length. The runtime drops Content-Length from
 * streamed responses and only keeps it (with sendfile) for a Blob it opens by path, so the
 * open descriptor is hard-linked to a fresh, random path on the same filesystem and that path
 * is served: whatever happens to the object's key meanwhile, the bytes are those of the inode
 * whose metadata was read. The runtime opens the path before the next turn of the event loop
 * (measured); the link is removed a second later. Were it gone first, the response fails: a
 * reset, never another file's bytes.
 */
import { dlopen, FFIType } from "bun:ffi";
import { unlink } from "node:fs/promises";
import { cString, errnoError } from "./libc.ts";

const { i32, ptr } = FFIType;
const AT_FDCWD = -100;
const AT_SYMLINK_FOLLOW = 0x400;
const UNLINK_AFTER_MS = 1000;

/**
 * The prefix of link names. The runtime adds `Content-Disposition: filename="<link name>"` to a
 * file served by path when its type is not text or media (application/octet-stream among them)
 * unless the name holds a `"`, which it refuses to quote (Bun 1.4.5): the quote keeps the
 * internal name out of responses, which carry only the object's own headers.
 */
export const LINK_PREFIX = 'get"';

const lib = dlopen("libc.so.6", {
  linkat: { args: [i32, ptr, i32, ptr, i32], returns: i32 },
});

/** Hard-links the file open on fd to path (which must not exist). */
export function linkOpenFile(fd: number, path: string): void {
  const rc = lib.symbols.linkat(
    AT_FDCWD,
    cString(`/proc/self/fd/${fd}`),
    AT_FDCWD,
    cString(path),
    AT_SYMLINK_FOLLOW,
  );
  if (rc !== 0) throw errnoError("linkat", path);
}

/**
 * Bytes [start, endInclusive] of the file at a private link path, which is removed soon after
 * (unless keep: a path the server keeps, such as a locked version's link in the versions store).
 */
export function servedSlice(linkPath: string, start: number, endInclusive: number, keep = false): Blob {
  if (!keep) setTimeout(() => void unlink(linkPath).catch(() => {}), UNLINK_AFTER_MS).unref();
  return Bun.file(linkPath).slice(start, endInclusive + 1);
}
