/**
 * The trust boundary with POSIX users (docs/threat-model.md): who can write the root, and
 * bucket directories that hold what earlier versions kept there or sit on another filesystem.
 */
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SYSTEM_DIR } from "../runtime/system-dir.ts";
import { isValidBucketName } from "../storage/index.ts";
import { type CheckResult, ok, warn } from "./check.ts";

const STICKY = 0o1000;

/** A root that others may write lets them create, rename or remove buckets as directories. */
export function checkRootAccess(root: string): CheckResult {
  const name = "root access";
  const st = lstatSync(root);
  const mode = st.mode & 0o7777;
  const uid = process.geteuid?.();
  if (mode & 0o022 && !(mode & STICKY)) {
    return warn(
      name,
      `${root} has mode ${mode.toString(8)}: other users can rename or remove any bucket directory`,
      `chmod go-w ${root} (or chmod +t): bucket owners need to write their bucket, not the root`,
    );
  }
  if (uid !== undefined && st.uid !== uid && st.uid !== 0) {
    return warn(
      name,
      `${root} is owned by uid ${st.uid}, who can rename or remove the system directory`,
      `chown the root to root or to the user s3dir runs as`,
    );
  }
  return ok(name, `${root} has mode ${mode.toString(8)}; only its owner can add or remove buckets`);
}

/**
 * A bucket's `.s3dir` holding more than `keys` (the alternate area of keys a path cannot
 * hold, which is objects): what earlier versions kept there.
 */
function holdsLegacyState(path: string): boolean {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return false;
  if (!st.isDirectory()) return true;
  try {
    return readdirSync(path).some((n) => n !== "keys");
  } catch {
    return true;
  }
}

/** Buckets holding a `.s3dir` (ignored content now) or on a filesystem other than the root's. */
export function checkBucketDirs(root: string): CheckResult {
  const name = "bucket directories";
  const rootDev = lstatSync(root).dev;
  const legacy: string[] = [];
  const elsewhere: string[] = [];
  let count = 0;
  for (const d of readdirSync(root, { withFileTypes: true })) {
    if (!d.isDirectory() || !isValidBucketName(d.name)) continue;
    count++;
    const dir = join(root, d.name);
    const st = lstatSync(dir, { throwIfNoEntry: false });
    if (st && st.dev !== rootDev) elsewhere.push(d.name);
    if (holdsLegacyState(join(dir, SYSTEM_DIR))) legacy.push(d.name);
  }
  const findings: string[] = [];
  const fixes: string[] = [];
  if (elsewhere.length) {
    findings.push(`on another filesystem than the root: ${elsewhere.join(", ")}`);
    fixes.push("writes to those buckets fail: keep every bucket on the root's filesystem");
  }
  if (legacy.length) {
    findings.push(`holding a ${SYSTEM_DIR} entry that s3dir ignores: ${legacy.join(", ")}`);
    fixes.push(`earlier versions kept state there; remove it once checked (rm -r BUCKET/${SYSTEM_DIR})`);
  }
  if (findings.length) return warn(name, findings.join("; "), fixes.join("; "));
  return ok(name, `${count} bucket directories, all on the root's filesystem`);
}

/** Without protected hard links, a bucket owner could link any file the server can read. */
export function checkProtectedHardlinks(): CheckResult {
  const name = "protected hard links";
  let value: string;
  try {
    value = readFileSync("/proc/sys/fs/protected_hardlinks", "utf8").trim();
  } catch {
    return warn(name, "cannot read /proc/sys/fs/protected_hardlinks", "check the kernel setting by hand");
  }
  return value === "0"
    ? warn(
        name,
        "fs.protected_hardlinks = 0: users can hard-link files they cannot read into their bucket",
        "sysctl -w fs.protected_hardlinks=1 (and set it in /etc/sysctl.d)",
      )
    : ok(name, `fs.protected_hardlinks = ${value}`);
}
