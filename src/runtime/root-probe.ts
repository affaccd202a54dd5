import { mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SYSTEM_DIR, systemDirProblem } from "./system-dir.ts";

export interface RootProbe {
  /** Why the root is not usable right now ([] when it is). */
  problems(): string[];
  stop(): void;
}

/**
 * Checks every few seconds that the system directory is still the server's own (see
 * system-dir.ts) and that the root is readable and writable: writes, reads back and removes
 * a small file in the system directory. A probe that hangs longer than `stallMs` (a dead mount)
 * counts as a failure without waiting for it.
 */
export function startRootProbe(root: string, hostId: string, intervalMs = 2000, stallMs = 5000): RootProbe {
  const dir = join(root, SYSTEM_DIR, "health");
  const file = join(dir, `${hostId.replace(/[^\w.-]/g, "_")}.probe`);
  let problem: string | undefined;
  let startedAt = 0;
  let running = false;

  async function probe(): Promise<void> {
    if (running) return;
    running = true;
    startedAt = Date.now();
    try {
      const untrusted = systemDirProblem(join(root, SYSTEM_DIR));
      if (untrusted) throw new Error(`system directory not the server's own: ${untrusted}`);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const token = `${process.pid}:${startedAt}`;
      await writeFile(file, token);
      if ((await readFile(file, "utf8")) !== token) throw new Error("read back different bytes");
      await unlink(file);
      problem = undefined;
    } catch (e) {
      problem = `root not readable and writable: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      running = false;
    }
  }

  void probe();
  const timer = setInterval(() => void probe(), intervalMs);
  timer.unref();
  return {
    problems: () => {
      if (running && Date.now() - startedAt > stallMs)
        return [`root unresponsive for ${Date.now() - startedAt} ms`];
      return problem ? [problem] : [];
    },
    stop: () => clearInterval(timer),
  };
}
