/**
 * Giving a file or directory the writer's POSIX owner, always by descriptor (never by path:
 * a path may be swapped for a symlink between the check and the chown).
 */
import { errCode, type FsOps } from "../../runtime/fs-ops.ts";
import { StorageError } from "../errors.ts";
import type { FileOwner } from "../types.ts";

/** fchown fd to owner; a server that may not chown fails the write with ChownNotPermitted. */
export async function chownFd(ops: FsOps, fd: number, owner: FileOwner | undefined): Promise<void> {
  if (!owner) return;
  try {
    await ops.fchown(fd, owner.uid, owner.gid);
  } catch (e) {
    const code = errCode(e);
    if (code === "EPERM" || code === "EACCES") {
      throw new StorageError(
        "ChownNotPermitted",
        `the server may not give files to uid ${owner.uid} gid ${owner.gid} (it needs root or CAP_CHOWN)`,
      );
    }
    throw e;
  }
}
