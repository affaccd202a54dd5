/**
 * The free space of the root's filesystem against the operator's floor (--min-free): one statfs
 * a second from a timer, never one per request. Below the floor, writes are refused and
 * /health/ready says why, so that a load balancer sends writes elsewhere and a disk is never
 * filled to the last byte (where every write fails half-way and costs the work of its upload).
 */
import { statfs, statfsSync } from "node:fs";

/** A floor in bytes, or in percent of the filesystem's size. */
export type MinFree = { bytes: number } | { percent: number };

export interface FreeSpaceWatch {
  /** Why writes are refused now (free space below the floor), or undefined. */
  low(): string | undefined;
  stop(): void;
}

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

function describeFloor(min: MinFree): string {
  return "bytes" in min ? formatBytes(min.bytes) : `${min.percent}%`;
}

export function startFreeSpaceWatch(root: string, min: MinFree, intervalMs = 1000): FreeSpaceWatch {
  let reason: string | undefined;
  const judge = (st: { bavail: number | bigint; blocks: number | bigint; bsize: number | bigint }) => {
    const bsize = Number(st.bsize);
    const free = Number(st.bavail) * bsize;
    const floor = "bytes" in min ? min.bytes : (Number(st.blocks) * bsize * min.percent) / 100;
    reason =
      free < floor ? `free space ${formatBytes(free)} is below --min-free ${describeFloor(min)}` : undefined;
  };
  try {
    judge(statfsSync(root));
  } catch {
    // The root probe reports an unreachable root; this watch only judges space it can see.
  }
  let running = false;
  const timer = setInterval(() => {
    if (running) return; // a hung statfs (dead mount) is the root probe's to report
    running = true;
    statfs(root, (err, st) => {
      running = false;
      if (!err) judge(st);
    });
  }, intervalMs);
  timer.unref();
  return { low: () => reason, stop: () => clearInterval(timer) };
}
