/** The key's current version (the file at its path) as versioned writes and reads see it. */
import type { BigStats } from "../../runtime/fs-ops.ts";
import { errCode } from "../../runtime/fs-ops.ts";
import type { StoreContext } from "../context.ts";
import { openVerified } from "../layout/paths.ts";
import { recordMatches } from "../metadata/record.ts";
import { derivedVersionId, NULL_VERSION } from "./ids.ts";

export interface CurrentFile {
  fd: number;
  st: BigStats;
  versionId: string;
}

/**
 * Opens the regular file at the key's path (never through a symlink); undefined when there is
 * none. Its id is its record's, or one derived from the file when the record does not describe
 * it (written or changed through POSIX). The caller closes fd.
 */
export async function openCurrent(
  ctx: StoreContext,
  bucket: string,
  key: string,
): Promise<CurrentFile | undefined> {
  const { ops, layout, meta } = ctx;
  const path = layout.object(bucket, key);
  for (let attempt = 0; attempt < 4; attempt++) {
    const opened = await openVerified(ops, path).catch((e) => {
      if (["ENOENT", "ENOTDIR", "ELOOP", "ESTALE"].includes(errCode(e) ?? "")) return undefined;
      throw e;
    });
    if (!opened) return undefined;
    if (!opened.ok) {
      if (opened.reason === "moved") continue;
      return undefined;
    }
    try {
      const rec = await meta.readFd(opened.fd, opened.st, { bucketPath: layout.bucket(bucket), key });
      const versionId =
        rec && recordMatches(rec, opened.st) ? (rec.n ?? NULL_VERSION) : derivedVersionId(opened.st);
      return { fd: opened.fd, st: opened.st, versionId };
    } catch (e) {
      await ops.close(opened.fd);
      throw e;
    }
  }
  return undefined;
}
