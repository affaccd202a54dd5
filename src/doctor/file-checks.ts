import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statfsSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { systemDirProblem } from "../runtime/system-dir.ts";
import { lGetXattr, lSetXattr } from "../runtime/xattr.ts";
import { type CheckResult, fail, ok, warn } from "./check.ts";

function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message}` : String(e);
}

/** Atomic replace: rename over an existing file swaps it whole (readers see old or new). */
export function checkRename(dir: string): CheckResult {
  const name = "atomic rename over a file";
  try {
    const target = join(dir, "rename-target");
    const temp = join(dir, "rename-temp");
    writeFileSync(target, "old");
    const before = statSync(target).ino;
    writeFileSync(temp, "new");
    renameSync(temp, target);
    const after = statSync(target);
    if (readFileSync(target, "utf8") !== "new" || after.ino === before) {
      return fail(
        name,
        "the renamed file did not replace the target",
        "use a POSIX filesystem with atomic rename(2)",
      );
    }
    return ok(name, "rename(2) replaces the target in one step");
  } catch (e) {
    return fail(name, errorText(e), "use a POSIX filesystem with atomic rename(2)");
  }
}

/** O_EXCL create: exactly one creator wins (conditional writes, new users, upload claims). */
export function checkExclusiveCreate(dir: string): CheckResult {
  const name = "O_EXCL create";
  const file = join(dir, "excl");
  try {
    closeSync(openSync(file, "wx"));
    try {
      closeSync(openSync(file, "wx"));
      return fail(
        name,
        "a second O_EXCL create of the same name succeeded",
        "mount with exclusive-create semantics (NFSv4, not NFSv2)",
      );
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    return ok(name, "a second exclusive create fails with EEXIST");
  } catch (e) {
    return fail(name, errorText(e), "the root must support O_CREAT|O_EXCL");
  }
}

/** link(): If-None-Match publishes by linking; the root credential and keys are created the same way. */
export function checkLink(dir: string): CheckResult {
  const name = "hard links";
  const source = join(dir, "link-source");
  const target = join(dir, "link-target");
  try {
    writeFileSync(source, "x");
    linkSync(source, target);
    try {
      linkSync(source, target);
      return fail(
        name,
        "link() over an existing name succeeded",
        "use a filesystem whose link(2) refuses existing names",
      );
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    if (statSync(source).nlink !== 2)
      return warn(name, "nlink did not count the new link", "check the filesystem's link support");
    return ok(name, "link(2) works and refuses an existing name (EEXIST)");
  } catch (e) {
    return fail(
      name,
      errorText(e),
      "conditional writes (If-None-Match: *) and large GETs need link(2); SMB/CIFS mounts without unix extensions lack it",
    );
  }
}

/** fsync of a file and of a directory: with --fsync on, a write is acknowledged only when durable. */
export function checkFsync(dir: string): CheckResult {
  const name = "fsync";
  try {
    const fd = openSync(join(dir, "fsync"), "w");
    fsyncSync(fd);
    closeSync(fd);
    const dfd = openSync(dir, "r");
    fsyncSync(dfd);
    closeSync(dfd);
    return ok(name, "fsync of a file and of a directory succeed");
  } catch (e) {
    return warn(
      name,
      errorText(e),
      "serve with --fsync off only if the filesystem makes writes durable itself",
    );
  }
}

/** Keys differ by case ("a" and "A" are two objects); case-insensitive mounts merge them. */
export function checkCaseSensitivity(dir: string): CheckResult {
  const name = "case-sensitive names";
  try {
    writeFileSync(join(dir, "case-a"), "lower");
    writeFileSync(join(dir, "CASE-A"), "upper");
    const names = readdirSync(dir).filter((n) => n.toLowerCase() === "case-a");
    if (names.length !== 2 || readFileSync(join(dir, "case-a"), "utf8") !== "lower") {
      return fail(
        name,
        "names that differ only in case are the same file",
        "use a case-sensitive filesystem (not a default SMB or macOS mount)",
      );
    }
    return ok(name, "names that differ only in case are different files");
  } catch (e) {
    return fail(name, errorText(e), "use a case-sensitive filesystem");
  }
}

/** Long UTF-8 names: a key segment may be 255 bytes. */
export function checkLongNames(dir: string): CheckResult {
  const name = "255-byte UTF-8 names";
  try {
    const segment = `${"é".repeat(126)}abc`;
    writeFileSync(join(dir, segment), "x");
    return ok(name, "a 255-byte UTF-8 file name works");
  } catch (e) {
    return warn(
      name,
      errorText(e),
      "keys with long or non-ASCII segments will be refused on this filesystem",
    );
  }
}

const xattrSizes = [256, 1024, 2048, 3800, 8192, 65_000];

/** user.* xattrs and the largest value the filesystem keeps (object metadata lives there). */
export function checkXattrs(dir: string): CheckResult {
  const name = "user extended attributes";
  const file = join(dir, "xattr");
  writeFileSync(file, "x");
  let largest = 0;
  let error = "";
  for (const size of xattrSizes) {
    try {
      const value = new Uint8Array(size).fill(97);
      lSetXattr(file, "user.s3dir.doctor", value);
      const back = lGetXattr(file, "user.s3dir.doctor");
      if (back?.length !== size) break;
      largest = size;
    } catch (e) {
      error = errorText(e);
      break;
    }
  }
  if (largest === 0) {
    return warn(
      name,
      `user xattrs are not available (${error})`,
      "object metadata will live in sidecar records (--metadata-store auto picks them); enable user_xattr for one metadata read per object",
    );
  }
  if (largest < 3800) {
    return warn(
      name,
      `values up to ${largest} bytes fit`,
      "records larger than that (much user metadata, many parts) fall back to sidecars automatically",
    );
  }
  return ok(
    name,
    `user xattrs work; values of ${largest} bytes fit${largest < 65_000 ? ` (not ${xattrSizes[xattrSizes.indexOf(largest) + 1]})` : ""}`,
  );
}

/** Free space and inodes: S3 clients see a full disk as failed uploads. */
export function checkSpace(root: string): CheckResult {
  const name = "free space";
  try {
    const s = statfsSync(root);
    const freeBytes = Number(s.bavail) * Number(s.bsize);
    const freeFiles = Number(s.ffree);
    const detail = `${(freeBytes / 2 ** 30).toFixed(1)} GiB and ${freeFiles} inodes free`;
    if (freeBytes < 2 ** 30 || (Number(s.files) > 0 && freeFiles < 10_000)) {
      return warn(name, detail, "add space: uploads fail once the filesystem is full");
    }
    return ok(name, detail);
  } catch (e) {
    return warn(name, errorText(e), "could not read filesystem statistics");
  }
}

/** The system directory is private: secrets and keys live there. */
export function checkSystemDir(root: string): CheckResult {
  const name = "system directory";
  const system = join(root, ".s3dir");
  try {
    mkdirSync(system, { recursive: true, mode: 0o700 });
    const untrusted = systemDirProblem(system);
    if (untrusted) {
      return fail(name, untrusted, `make ${system} a directory owned by the user s3dir runs as, mode 700`);
    }
    const mode = statSync(system).mode & 0o777;
    if (mode & 0o077) {
      return warn(
        name,
        `${system} has mode ${mode.toString(8)}`,
        `chmod 700 ${system}: it holds keys and secrets`,
      );
    }
    return ok(name, `${system} has mode 700`);
  } catch (e) {
    return fail(name, errorText(e), "the root must be writable by the user s3dir runs as");
  }
}
