/**
 * Serving a large open file with a Content-Length. The runtime drops Content-Length from
 * streamed responses and keeps it (with sendfile) only for a Blob it opens by path; a Blob of
 * a descriptor, `Bun.file(fd)`, keeps it for the whole file but a slice of it announces the whole
 * file's length and sends only the slice (Bun 1.4.5, docs/performance.md), and the runtime never
 * says when it is done with a descriptor it was given.
 *
 * So the open descriptor gets a private alias: a symlink to `/proc/self/fd/N` in a directory of
 * this process's own (mode 0700, on memory-backed local storage where there is one), served by
 * path. The runtime opens the path itself, reaching the very inode whose metadata was read
 * whatever happened to the key meanwhile, and closes what it opened. Nothing is written to the
 * served root (a read-only root works, a distributed one sees no extra round trip). The runtime
 * opens the path before the next turn of the event loop (measured); a second later the alias is
 * removed and only then the descriptor closed, so a late open fails (a reset), and can never
 * reach another file that reused the descriptor's number.
 *
 * linkOpenFile (a hard link on the same filesystem) remains for the versions store.
 */
import { dlopen, FFIType } from "bun:ffi";
import { existsSync, mkdtempSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

export interface ServedFile {
  /** Bytes [start, endInclusive]; the file is released a second later. Call once. */
  slice(start: number, endInclusive: number): Blob | ReadableStream<Uint8Array>;
  /** Releases the file without serving it (also fine after slice). */
  release(): void;
}

let aliasDir: string | undefined;

function aliases(): string {
  if (aliasDir) return aliasDir;
  const bases = existsSync("/dev/shm") ? ["/dev/shm", tmpdir()] : [tmpdir()];
  for (const base of bases) {
    try {
      aliasDir = mkdtempSync(join(base, "s3dir-serve-"));
      break;
    } catch {
      // not writable here: the next one
    }
  }
  if (!aliasDir) throw new Error("no private directory for serving aliases");
  const dir = aliasDir;
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Serves the file open on fd by a private alias (see above); close releases fd and is called
 * once, after the alias is gone. undefined when no alias can be made (then fd is untouched).
 */
export function serveOpenFile(fd: number, close: () => void): ServedFile | undefined {
  let alias: string;
  try {
    alias = join(aliases(), `${LINK_PREFIX}${crypto.randomUUID()}`);
    symlinkSync(`/proc/self/fd/${fd}`, alias);
  } catch {
    return undefined;
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    try {
      unlinkSync(alias);
    } catch {
      // gone already
    }
    close();
  };
  return {
    slice(start, endInclusive) {
      setTimeout(release, UNLINK_AFTER_MS).unref();
      return Bun.file(alias).slice(start, endInclusive + 1);
    },
    release,
  };
}
