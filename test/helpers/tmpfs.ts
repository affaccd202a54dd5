/**
 * A small tmpfs mounted for one test file, to fill a disk on purpose (needs root, as the tests
 * run in CI). Throws with the reason when it cannot be mounted: a test needing it must fail.
 */
import { mkdtempSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Tmpfs {
  path: string;
  /** Unmounts (lazily if still busy) and removes the mount point. */
  unmount(): void;
}

export function mountTmpfs(size: string): Tmpfs {
  const path = mkdtempSync(join(tmpdir(), "s3dir-tmpfs-"));
  const r = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${size},mode=0755`, "tmpfs", path], {
    stderr: "pipe",
  });
  if (r.exitCode !== 0) {
    rmdirSync(path);
    throw new Error(`cannot mount a ${size} tmpfs on ${path} (tests need root): ${r.stderr.toString()}`);
  }
  let mounted = true;
  return {
    path,
    unmount: () => {
      if (!mounted) return;
      mounted = false;
      const u = Bun.spawnSync(["umount", path], { stderr: "pipe" });
      if (u.exitCode !== 0) Bun.spawnSync(["umount", "-l", path]);
      rmdirSync(path);
    },
  };
}
