/**
 * Small files shared by every host through the filesystem (keys, credentials, IAM records),
 * written so that readers never see a partial file: the content goes to a temp file beside the
 * target (mode 0600, created exclusively), then link() publishes it once or rename() replaces.
 * link fails with EEXIST when the target exists, on every filesystem the root may be on (NFS
 * included), so of racing creators on any hosts exactly one wins.
 */
import { randomBytes } from "node:crypto";
import { link, mkdir, rename, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

async function writeTemp(path: string, data: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  await writeFile(temp, data, { mode: 0o600, flag: "wx" });
  return temp;
}

/**
 * Publishes `data` at `path` unless a file is there already. True when this call's content
 * was published; false when another creator won (read the file for the winner's content).
 */
export async function createOnce(path: string, data: string): Promise<boolean> {
  const temp = await writeTemp(path, data);
  try {
    await link(temp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/** Replaces the content of `path` (or creates it): readers see the old file or the new one. */
export async function replaceAtomically(path: string, data: string): Promise<void> {
  const temp = await writeTemp(path, data);
  try {
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => {});
    throw e;
  }
}
