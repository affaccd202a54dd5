/**
 * System calls of a running process during a bounded piece of work: `strace -f -c` attached to
 * the process (all its threads) while the work runs, stopped with SIGINT, its summary parsed.
 * Counts are exact (unlike timings on a shared machine); times under strace are not reported.
 */
import { readFileSync, rmSync } from "node:fs";
import { trackChild } from "./cleanup.ts";

/** Calls that reach a filesystem (a path lookup, a stat, an xattr, data, a directory read). */
export const FILESYSTEM_CALLS = new Set([
  "open",
  "openat",
  "openat2",
  "stat",
  "lstat",
  "fstat",
  "newfstatat",
  "statx",
  "readlink",
  "readlinkat",
  "getxattr",
  "lgetxattr",
  "fgetxattr",
  "setxattr",
  "lsetxattr",
  "fsetxattr",
  "removexattr",
  "lremovexattr",
  "fremovexattr",
  "getdents64",
  "pread64",
  "pwrite64",
  "preadv",
  "pwritev",
  "rename",
  "renameat",
  "renameat2",
  "link",
  "linkat",
  "unlink",
  "unlinkat",
  "mkdir",
  "mkdirat",
  "rmdir",
  "fsync",
  "fdatasync",
  "flock",
  "fchown",
  "fchmod",
  "ftruncate",
  "fallocate",
  "copy_file_range",
  "close",
]);

export interface SyscallCounts {
  /** Calls by name, over the whole traced work. */
  calls: Map<string, number>;
}

/** Attaches strace to pid, runs work, detaches; the counts of the calls made meanwhile. */
export async function countSyscalls(
  pid: number,
  outFile: string,
  work: () => Promise<void>,
): Promise<SyscallCounts> {
  rmSync(outFile, { force: true });
  const strace = trackChild(
    Bun.spawn(["strace", "-f", "-c", "-o", outFile, "-p", String(pid)], {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    }),
  );
  await attached(pid, strace.pid);
  try {
    await work();
  } finally {
    strace.kill("SIGINT");
    await Promise.race([strace.exited, Bun.sleep(10_000)]);
    if (strace.exitCode === null) strace.kill("SIGKILL");
  }
  return { calls: parseSummary(readFileSync(outFile, "utf8")) };
}

/** Waits until every thread of pid reports strace as its tracer (bounded: 10 s). */
async function attached(pid: number, tracer: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const tids = Bun.spawnSync(["ls", `/proc/${pid}/task`])
      .stdout.toString()
      .trim()
      .split("\n");
    const traced = tids.every((tid) => {
      try {
        return new RegExp(`^TracerPid:\\s+${tracer}$`, "m").test(
          readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8"),
        );
      } catch {
        return true; // the thread ended
      }
    });
    if (traced) return;
    await Bun.sleep(20);
  }
  throw new Error("strace did not attach within 10 s");
}

/** The `% time seconds usecs/call calls errors syscall` table of strace -c. */
export function parseSummary(text: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of text.split("\n")) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5 || !/^\d/.test(cols[0]!)) continue;
    const name = cols[cols.length - 1]!;
    if (name === "total") continue;
    // calls is the fourth column whether or not the errors column is filled.
    const count = Number(cols[3]);
    if (Number.isFinite(count)) calls.set(name, count);
  }
  return calls;
}

/** "openat2 1, statx 1, pread64 1" per request (calls made at least once per 20 requests). */
export function perRequest(counts: SyscallCounts, requests: number, filesystemOnly: boolean): string {
  const parts: string[] = [];
  const sorted = [...counts.calls].sort((a, b) => b[1] - a[1]);
  for (const [name, n] of sorted) {
    if (filesystemOnly !== FILESYSTEM_CALLS.has(name)) continue;
    const per = n / requests;
    if (per < 0.05) continue;
    parts.push(`${name} ${per.toFixed(per >= 10 || Number.isInteger(per) ? 0 : 2)}`);
  }
  return parts.join(", ") || "none";
}

/** Filesystem calls per request, summed (close included). */
export function filesystemTotal(counts: SyscallCounts, requests: number): number {
  let sum = 0;
  for (const [name, n] of counts.calls) if (FILESYSTEM_CALLS.has(name)) sum += n;
  return sum / requests;
}
