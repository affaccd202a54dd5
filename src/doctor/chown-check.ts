import { closeSync, fchownSync, fstatSync, openSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { type CheckResult, ok, warn } from "./check.ts";

const NAME = "chown (files owned by their writer)";

/**
 * Whether the server may give a file on this root to another uid/gid, as it does for users with
 * a POSIX mapping (and anonymous writes). Needs root or CAP_CHOWN, and a filesystem that lets
 * root chown (an NFS export with root_squash does not).
 */
export function checkChown(scratch: string, probe = { uid: 65534, gid: 65534 }): CheckResult {
  const path = join(scratch, "chown-probe");
  const fd = openSync(path, "wx", 0o600);
  try {
    fchownSync(fd, probe.uid, probe.gid);
    const st = fstatSync(fd);
    if (st.uid !== probe.uid || st.gid !== probe.gid) throw new Error("the owner did not change");
    return ok(NAME, "the server can give files to their writer's uid/gid");
  } catch (e) {
    return warn(
      NAME,
      `cannot chown on this root (${(e as NodeJS.ErrnoException).code ?? String(e)}): writes by users with --posix-uid/--posix-gid and anonymous writes fail`,
      "run the server as root or with CAP_CHOWN (and without root_squash on NFS), or drop the users' POSIX mappings",
    );
  } finally {
    closeSync(fd);
    unlinkSync(path);
  }
}
