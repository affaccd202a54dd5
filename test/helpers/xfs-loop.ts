/**
 * A small XFS filesystem on a loop file, mounted for one test file (needs root, mkfs.xfs and a
 * loop device). mountXfsLoop says why instead when it cannot: tests skip on a machine without them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface XfsLoop {
  path: string;
  /** Unmounts (lazily if still busy) and removes the image and mount point. */
  unmount(): void;
}

function run(argv: string[]): string | undefined {
  if (!Bun.which(argv[0]!)) return `${argv[0]} is not installed`;
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  return r.exitCode === 0 ? undefined : `${argv.join(" ")}: ${r.stderr.toString().trim()}`;
}

/** mkfs.xfs refuses less than 300 MB; the image is sparse, so it costs what is written. */
export function mountXfsLoop(options: string[] = []): XfsLoop | string {
  const dir = mkdtempSync(join(tmpdir(), "s3dir-xfs-"));
  const image = join(dir, "image");
  const path = join(dir, "mnt");
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const why =
    run(["truncate", "-s", "320M", image]) ??
    run(["mkfs.xfs", "-q", image]) ??
    run(["mkdir", path]) ??
    run(["mount", "-o", ["loop", ...options].join(","), image, path]);
  if (why) {
    cleanup();
    return why;
  }
  let mounted = true;
  return {
    path,
    unmount: () => {
      if (!mounted) return;
      mounted = false;
      if (run(["umount", path])) run(["umount", "-l", path]);
      cleanup();
    },
  };
}
