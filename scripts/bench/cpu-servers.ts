/**
 * What the CPU-per-request benchmarks (get-cpu.ts, put-cpu.ts) share: s3dir started beside the
 * bare servers (and, with --compare, s3dir from another source tree), each server's wrk targets,
 * and the median of rounds.
 */
import { join } from "node:path";
import { writeTargets } from "./fixtures.ts";
import { type RunningServer, startS3dir } from "./servers.ts";

/** s3dir over root (access log on, `--fsync off`), then the --compare tree's s3dir if given. */
export async function startS3dirs(root: string, dir: string, compareRepo?: string): Promise<RunningServer[]> {
  const logFile = join(dir, "s3dir.log");
  const started = [await startS3dir({ root, fsync: false, accessLog: true, logFile, label: "s3dir" })];
  if (compareRepo) {
    const label = `s3dir (${compareRepo})`;
    const logFile = join(dir, "compare.log");
    started.push(
      await startS3dir({ root, fsync: false, accessLog: true, logFile, label, checkout: compareRepo }),
    );
  }
  return started;
}

/**
 * One targets file per server: each s3dir gets URLs presigned for its own origin; the bare servers,
 * which ignore the query, get the first s3dir's.
 */
export async function targetsPerServer(
  dir: string,
  servers: RunningServer[],
  s3dir: RunningServer,
  method: "GET" | "PUT",
  keys: string[],
): Promise<Map<RunningServer, string>> {
  const targets = new Map<RunningServer, string>();
  for (const server of servers) {
    const file = join(dir, `targets-${server.pid}`);
    await writeTargets(
      file,
      method,
      (server.label.startsWith("s3dir") ? server : s3dir).origin,
      "bench",
      keys,
    );
    targets.set(server, file);
  }
  return targets;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
