/**
 * The Node twin of ../serve-file-link.ts. The open file is hard-linked to a private path exactly
 * as on Bun (linkat through koffi), so both hosts leave the same short-lived links in the
 * staging area. Node's HTTP server keeps the Content-Length of a streamed body, so the link is
 * opened at once and streamed in 1 MiB reads (file-stream.ts); it is removed a second later.
 */
import { close as closeFd, openSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { fdStream } from "../file-stream.ts";
import { errnoError, libc } from "./libc.ts";

const AT_FDCWD = -100;
const AT_SYMLINK_FOLLOW = 0x400;
const UNLINK_AFTER_MS = 1000;

/** Link names are those of Bun hosts (see ../serve-file-link.ts for the quote). */
export const LINK_PREFIX = 'get"';

/** Hard-links the file open on fd to path (which must not exist). */
export function linkOpenFile(fd: number, path: string): void {
  const rc = libc.linkat(AT_FDCWD, `/proc/self/fd/${fd}`, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
  if (rc !== 0) throw errnoError("linkat", path);
}

/**
 * Bytes [start, endInclusive] of the file at a private link path, which is removed soon after
 * (unless keep: a path the server keeps, such as a locked version's link in the versions store).
 */
export function servedSlice(
  linkPath: string,
  start: number,
  endInclusive: number,
  keep = false,
): ReadableStream<Uint8Array> {
  if (!keep) setTimeout(() => void unlink(linkPath).catch(() => {}), UNLINK_AFTER_MS).unref();
  const fd = openSync(linkPath, "r");
  return fdStream(fd, start, endInclusive, () => closeFd(fd, () => {}));
}

export interface ServedFile {
  /** Bytes [start, endInclusive]; the file is released when they are sent. Call once. */
  slice(start: number, endInclusive: number): Blob | ReadableStream<Uint8Array>;
  /** Releases the file without serving it (also fine after slice). */
  release(): void;
}

/** Node's server keeps a streamed body's Content-Length: the descriptor is streamed as it is. */
export function serveOpenFile(fd: number, close: () => void): ServedFile | undefined {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    close();
  };
  return { slice: (start, endInclusive) => fdStream(fd, start, endInclusive, release), release };
}
