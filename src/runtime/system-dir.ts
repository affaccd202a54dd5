/**
 * The system directory `<root>/.s3dir`: users, keys, cluster config, audit spool and every
 * bucket's state. Everything the server keeps private lives below it, so it must be a real
 * directory (never a symlink) owned by the server's user and closed to everyone else.
 */
import { chmodSync, lstatSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { newRootFeatures, publishFormatSync } from "./root-format-file.ts";

export const SYSTEM_DIR = ".s3dir";

/** Why a system directory cannot be trusted, or undefined when it can. */
export function systemDirProblem(dir: string): string | undefined {
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (!st) return `${dir} is missing`;
  if (st.isSymbolicLink()) return `${dir} is a symlink`;
  if (!st.isDirectory()) return `${dir} is not a directory`;
  const uid = process.geteuid?.();
  if (uid !== undefined && st.uid !== uid)
    return `${dir} is owned by uid ${st.uid}, not by the server's uid ${uid}`;
  return undefined;
}

/**
 * Creates the system directory of root when missing, checks it (see systemDirProblem) and
 * closes it to group and others (mode 0700). Throws with the reason when it is not the server's.
 * A root whose system directory this call creates is new: no host of an earlier version has
 * served it, so it gets every on-disk feature at once (root-format-file.ts).
 */
export function ensureSystemDirSync(root: string): string {
  const dir = join(root, SYSTEM_DIR);
  let created = false;
  try {
    mkdirSync(dir, { mode: 0o700 });
    created = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const problem = systemDirProblem(dir);
  if (problem) throw new Error(`refusing to use the system directory: ${problem}`);
  if ((lstatSync(dir).mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  if (created) {
    try {
      publishFormatSync(dir, newRootFeatures);
    } catch {
      // Without the file the root keeps the older forms, which every version reads.
    }
  }
  return dir;
}
