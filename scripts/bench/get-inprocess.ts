/**
 * CPU time of s3dir's own request path per small GET, without HTTP: a host built in this process
 * (access log on, lines discarded after formatting) answers presigned GETs of 1,000 distinct
 * 4 KiB objects handed to it as Request objects, 16 at a time. Less noisy than a load test on a
 * shared machine (no load generator, no sockets), so small changes show.
 *
 *   bun scripts/bench/get-inprocess.ts [--repo DIR] [--requests 30000] [--rounds 5]
 *
 * --repo runs another source tree (e.g. `git archive` of an earlier commit with a node_modules
 * link) for a before/after comparison; run both one after the other.
 */
import { runInProcess } from "./inprocess-host.ts";

await runInProcess({
  verb: "GET",
  defaultRequests: 30000,
  warmup: 5000,
  async prepare({ sign, call }) {
    const body = new Uint8Array(4096).fill(120);
    const urls: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const path = `/bench/get4k-${String(i).padStart(5, "0")}`;
      await call("PUT", await sign("PUT", path), body);
      urls.push(await sign("GET", path));
    }
    return { urls };
  },
});
