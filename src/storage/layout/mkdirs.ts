import { errCode, type FsOps } from "../../runtime/fs-ops.ts";

/** mkdir -p for storage-owned directories (in the system directory, never through keys). */
export async function mkdirs(ops: FsOps, path: string, mode?: number): Promise<void> {
  try {
    await ops.mkdir(path, mode);
  } catch (e) {
    const code = errCode(e);
    if (code === "EEXIST") return;
    if (code !== "ENOENT") throw e;
    await mkdirs(ops, path.slice(0, path.lastIndexOf("/")), mode);
    try {
      await ops.mkdir(path, mode);
    } catch (e2) {
      if (errCode(e2) !== "EEXIST") throw e2;
    }
  }
}
