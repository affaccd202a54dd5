import { readFileSync } from "node:fs";
import { totalmem } from "node:os";

export interface MemoryUse {
  /** The resident set size as last sampled, and the limit it is measured against. */
  current(): { used: number; limit: number };
  stop(): void;
}

/** The cgroup v2 memory limit of this process, when one is set. */
function cgroupLimit(): number | undefined {
  try {
    const text = readFileSync("/sys/fs/cgroup/memory.max", "utf8").trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The memory a host is measured against when none is set: the cgroup's memory.max, else the machine's. */
export function defaultMemoryLimit(): number {
  return Math.min(cgroupLimit() ?? Number.POSITIVE_INFINITY, totalmem());
}

/**
 * Samples the process's resident memory once a second (off the request path: reading it costs a
 * system call) against `limit`, else the cgroup's memory.max, else the machine's memory.
 */
export function startMemoryUse(limit?: number, intervalMs = 1000): MemoryUse {
  const bound = limit ?? defaultMemoryLimit();
  let used = process.memoryUsage.rss();
  const timer = setInterval(() => {
    used = process.memoryUsage.rss();
  }, intervalMs);
  timer.unref();
  return { current: () => ({ used, limit: bound }), stop: () => clearInterval(timer) };
}
