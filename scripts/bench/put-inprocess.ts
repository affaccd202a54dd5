/**
 * CPU time of s3dir's own request path per small PUT, without HTTP: a host built in this process
 * (access log on, lines discarded after formatting, `--fsync off`) answers presigned PUTs of 4 KiB
 * over 4,000 keys handed to it as Request objects, 16 at a time; all threads of the process count
 * (process.cpuUsage), the file-system pool's included. The warm-up is 20,000 PUTs, past the
 * optimizing compiler's work (thread-cpu.ts). Less noisy than a load test on a shared machine.
 *
 *   bun scripts/bench/put-inprocess.ts [--repo DIR] [--requests 10000] [--rounds 5]
 *
 * --repo runs another source tree (e.g. a worktree of an earlier commit with a node_modules
 * link) for a before/after comparison; run both one after the other.
 */
import { runInProcess } from "./inprocess-host.ts";

await runInProcess({
  verb: "PUT",
  defaultRequests: 10000,
  warmup: 20000,
  async prepare({ sign }) {
    const urls: string[] = [];
    for (let i = 0; i < 4000; i++) urls.push(await sign("PUT", `/bench/put4k-${String(i).padStart(5, "0")}`));
    return { urls, body: new Uint8Array(4096).fill(120) };
  },
});
