/**
 * Whether this filesystem, and the server's privileges, let s3dir protect the bytes of locked
 * object versions at their keys' paths (src/storage/lock/protect.ts, docs/threat-model.md):
 * the immutable flag (needs the flag on the filesystem and root or CAP_LINUX_IMMUTABLE), a
 * chmod to 0444 that the filesystem keeps, and ownership by the server (taking over a file
 * another user wrote needs root or CAP_CHOWN).
 */
import { closeSync, fchmodSync, fstatSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FS_IMMUTABLE_FL, getInodeFlags, setInodeFlags } from "../runtime/inode-flags.ts";
import { type CheckResult, ok, warn } from "./check.ts";

export interface LockProbe {
  /** Setting FS_IMMUTABLE_FL: done (and writes were then refused), the filesystem lacks it, or not permitted. */
  immutable: "ok" | "unsupported" | "denied";
  /** A chmod to 0444 is kept by the filesystem. */
  chmod: boolean;
  capImmutable: boolean;
  capChown: boolean;
}

const NAME = "object lock protection";
const CAP_CHOWN = 0;
const CAP_LINUX_IMMUTABLE = 9;

/** The effective capabilities of this process (root has them all, unless dropped). */
function effectiveCaps(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return process.geteuid?.() === 0 ? ~0n : 0n;
  }
}

/** Tries the immutable flag and a chmod on a scratch file in dir (removed by the caller). */
export function probeLockProtection(dir: string): LockProbe {
  const caps = effectiveCaps();
  const has = (cap: number) => (caps & (1n << BigInt(cap))) !== 0n;
  const path = join(dir, "object-lock");
  writeFileSync(path, "locked");
  const fd = openSync(path, "r");
  let immutable: LockProbe["immutable"] = "unsupported";
  let chmod = false;
  try {
    fchmodSync(fd, 0o444);
    chmod = (fstatSync(fd).mode & 0o7777) === 0o444;
    try {
      const flags = getInodeFlags(fd);
      setInodeFlags(fd, flags | FS_IMMUTABLE_FL);
      try {
        writeFileSync(path, "changed");
        immutable = "unsupported"; // accepted but not enforced
      } catch {
        immutable = "ok";
      }
      setInodeFlags(fd, flags & ~FS_IMMUTABLE_FL);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      immutable = code === "EPERM" || code === "EACCES" ? "denied" : "unsupported";
    }
  } finally {
    closeSync(fd);
  }
  return { immutable, chmod, capImmutable: has(CAP_LINUX_IMMUTABLE), capChown: has(CAP_CHOWN) };
}

/** What the probe means for locked objects, and how to do better. */
export function describeLockProtection(p: LockProbe): CheckResult {
  const chown = p.capChown
    ? "files other users wrote can be locked (they are made the server's)"
    : "files other users wrote through POSIX cannot be locked until rewritten through S3 (no CAP_CHOWN)";
  if (!p.chmod) {
    return warn(
      NAME,
      "the filesystem does not keep a chmod to 0444: POSIX users who can write a bucket can change the bytes of its locked current versions (noncurrent versions stay safe in the system directory)",
      "use a filesystem with POSIX permissions for buckets with object lock",
    );
  }
  if (p.immutable === "ok") {
    return ok(
      NAME,
      `locked current versions are made immutable and 0444: only root can change, rename or unlink them, after clearing the flag (chattr -i); ${chown}`,
    );
  }
  const why =
    p.immutable === "denied"
      ? "the server may not set the immutable flag (it needs root or CAP_LINUX_IMMUTABLE)"
      : "the filesystem has no immutable flag";
  return warn(
    NAME,
    `${why}: locked current versions are 0444 and the server's, so other users cannot write them, but whoever can write their directory can unlink or replace them; S3 then still serves each locked version from the versions store; ${chown}`,
    p.immutable === "denied"
      ? "run s3dir as root or with CAP_LINUX_IMMUTABLE (systemd: AmbientCapabilities=CAP_LINUX_IMMUTABLE CAP_CHOWN)"
      : "put buckets with object lock on a filesystem with the immutable attribute (ext4, xfs, btrfs)",
  );
}

export function checkObjectLockProtection(dir: string): CheckResult {
  try {
    return describeLockProtection(probeLockProtection(dir));
  } catch (e) {
    return warn(NAME, `could not probe: ${String(e)}`, "check that the root is writable by the server");
  }
}
