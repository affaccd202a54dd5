/**
 * CPU time of a server process by thread (/proc/PID/task/TID/stat), grouped as the event loop,
 * Bun's file-system pool, JavaScriptCore's JIT compiler, the garbage collector and the rest;
 * and a warm-up that lasts until the JIT is quiet.
 */
import { readdirSync, readFileSync } from "node:fs";

export const ticksPerSecond = 100;
export const threadGroups = ["loop", "pool", "jit", "gc", "other"] as const;
export type ThreadGroup = (typeof threadGroups)[number];

function groupOf(pid: number, tid: number, name: string): ThreadGroup {
  if (tid === pid) return "loop";
  if (/^(JIT|JITWorker|DFG|FTL)/i.test(name)) return "jit";
  if (/heap|gc|collector|marker/i.test(name)) return "gc";
  if (/^(Bun Pool|ThreadPool|bun-pool|Pool)/i.test(name)) return "pool";
  return "other";
}

export type ThreadSnapshot = Map<number, { group: ThreadGroup; ticks: number }>;

/** utime + stime of every thread of a process, in clock ticks, by thread id. */
export function threadSnapshot(pid: number): ThreadSnapshot {
  const threads: ThreadSnapshot = new Map();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(fields[11]) + Number(fields[12]);
      threads.set(Number(task), { group: groupOf(pid, Number(task), name), ticks });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return threads;
}

/**
 * CPU ticks by thread group since `before`. A thread that ended meanwhile takes its ticks with
 * it (a little less than was spent, never a negative share).
 */
export function ticksSince(pid: number, before: ThreadSnapshot): Map<ThreadGroup, number> {
  const ticks = new Map<ThreadGroup, number>(threadGroups.map((g) => [g, 0]));
  for (const [tid, now] of threadSnapshot(pid)) {
    ticks.set(now.group, ticks.get(now.group)! + now.ticks - (before.get(tid)?.ticks ?? 0));
  }
  return ticks;
}

/** Thread names of a process with their CPU ticks. */
export function threadNames(pid: number): string {
  const seen = new Map<string, number>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      seen.set(name, (seen.get(name) ?? 0) + Number(fields[11]) + Number(fields[12]));
    } catch {}
  }
  return [...seen].map(([n, t]) => `${n}=${t}`).join(" ");
}

/** The JIT is quiet when its thread takes at most this share of the process's CPU. */
const JIT_QUIET_SHARE = 0.03;

/**
 * Runs load for minSeconds, then in 2 s steps while the process's JIT thread was busy in the
 * last step, until maxSeconds have passed; returns the seconds spent. A fixed warm-up is not fair between
 * servers of different sizes: JavaScriptCore's optimizing tier (FTL) compiles a hot function
 * after some thousands of runs, each compile taking milliseconds, so a server with little code
 * settles within a few hundred requests while one with hundreds of functions per request is
 * still compiling them after 10,000 (s3dir: docs/performance.md, "Small PUTs: CPU per request").
 */
export async function warmUntilJitQuiet(
  pid: number,
  load: (seconds: number) => Promise<unknown>,
  limits: { minSeconds: number; maxSeconds: number },
): Promise<number> {
  // A supervisor (`s3dir serve --workers N`) serves nothing itself: watch its workers.
  const children = childPids(pid);
  const pids = children.length > 0 ? children : [pid];
  let spent = 0;
  let step = limits.minSeconds;
  while (step > 0) {
    const before = pids.map(threadSnapshot);
    await load(step);
    spent += step;
    const quiet = pids.every((p, i) => {
      const ticks = ticksSince(p, before[i]!);
      let all = 0;
      for (const t of ticks.values()) all += t;
      return ticks.get("jit")! <= all * JIT_QUIET_SHARE;
    });
    if (quiet) break;
    step = Math.min(2, limits.maxSeconds - spent);
  }
  return spent;
}

/** The processes whose parent is pid (from /proc). */
function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // Field 4 (ppid) follows the command in parentheses, which may itself contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) children.push(Number(name));
    } catch {
      // The process ended meanwhile.
    }
  }
  return children;
}
