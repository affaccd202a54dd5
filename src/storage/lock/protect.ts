/**
 * Keeping POSIX users from the bytes of a locked version at the key's path (the current
 * version; noncurrent ones live in the server's own versions store). The file is made the
 * server user's, mode 0444, so that no other user may write it or change its mode, and
 * immutable (FS_IMMUTABLE_FL) where the filesystem has the flag and the server may set it
 * (root, or CAP_LINUX_IMMUTABLE): then no one, root included, can write, rename or unlink it
 * until the flag is cleared. The server clears it itself just before the version stops being
 * current (a newer version or a delete marker replaces it, its deletion once unlocked), and
 * around an update of its record (retention, legal hold).
 *
 * What a POSIX user can still do without the flag (unlink the path, or rename a file over it,
 * with write permission on the directory) leaves the version's bytes where S3 finds them: every
 * locked current version also has a hard link in the versions store (../versions/history.ts).
 */
import { fchmodSync, fchownSync } from "node:fs";
import type { BigStats } from "../../runtime/fs-ops.ts";
import { errCode } from "../../runtime/fs-ops.ts";
import { FS_IMMUTABLE_FL, getInodeFlags, setInodeFlags } from "../../runtime/inode-flags.ts";
import { lockError } from "../errors.ts";

export const LOCKED_MODE = 0o444;

/** Errors that say "this filesystem, or this process, cannot use the flag". */
const UNSUPPORTED = new Set(["ENOTTY", "EOPNOTSUPP", "EINVAL", "ENOSYS", "EPERM", "EACCES"]);

export interface ProtectResult {
  /** The immutable flag is set on the file. */
  immutable: boolean;
}

export class LockGuard {
  /** False once setting the flag failed for lack of support or privilege (not retried). */
  private immutableUsable = true;

  constructor(
    private readonly uid = process.geteuid?.() ?? 0,
    private readonly gid = process.getegid?.() ?? 0,
  ) {}

  /**
   * Makes the open file (fstat st) server-owned, 0444 and immutable where possible. A file
   * another user owns that the server may not take over (not root) cannot be protected:
   * AccessDenied, and the caller leaves the version unlocked.
   */
  protect(fd: number, st: BigStats): ProtectResult {
    if (Number(st.uid) !== this.uid) {
      try {
        fchownSync(fd, this.uid, this.gid);
      } catch (e) {
        if (errCode(e) !== "EPERM") throw e;
        throw lockError(
          "ObjectLocked",
          "The object's file belongs to another user of the filesystem, so it cannot be locked; write it again through S3 first.",
        );
      }
    }
    if ((Number(st.mode) & 0o7777) !== LOCKED_MODE) fchmodSync(fd, LOCKED_MODE);
    return { immutable: this.setImmutable(fd, true) };
  }

  /** Clears the immutable flag so that the server may replace, unlink or update the file. */
  release(fd: number): boolean {
    return this.setImmutable(fd, false);
  }

  /** True when the flag is now as asked (false: unsupported here, or not permitted). */
  setImmutable(fd: number, on: boolean): boolean {
    let flags: number;
    try {
      flags = getInodeFlags(fd);
    } catch (e) {
      if (UNSUPPORTED.has(errCode(e) ?? "")) return !on;
      throw e;
    }
    if (((flags & FS_IMMUTABLE_FL) !== 0) === on) return true;
    if (on && !this.immutableUsable) return false;
    try {
      setInodeFlags(fd, on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL);
      return true;
    } catch (e) {
      if (!UNSUPPORTED.has(errCode(e) ?? "")) throw e;
      if (on) this.immutableUsable = false;
      return false;
    }
  }
}
