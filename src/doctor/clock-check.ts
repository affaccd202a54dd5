import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CheckResult, ok, warn } from "./check.ts";

/** Presigned URLs and SigV4 allow 15 minutes of skew; expiry and caches need far less. */
const warnSkewMs = 2000;

/** The filesystem's clock against ours: a new file's mtime comes from the file server on NFS and GlusterFS. */
export function checkFilesystemClock(dir: string): CheckResult {
  const name = "clock: this host vs the filesystem";
  const file = join(dir, "clock");
  const before = Date.now();
  writeFileSync(file, "t");
  const after = Date.now();
  const mtime = statSync(file).mtimeMs;
  const skew = mtime < before ? mtime - before : mtime > after ? mtime - after : 0;
  const detail = `a new file's mtime is ${Math.round(skew)} ms from this host's clock`;
  return Math.abs(skew) > warnSkewMs
    ? warn(name, detail, "synchronise clocks (chrony/NTP) on every host and file server")
    : ok(name, detail);
}

/** Each host of the recorded cluster: its HTTP Date against ours (1 s resolution). */
export async function checkHostClocks(hosts: { url: string }[]): Promise<CheckResult[]> {
  return await Promise.all(
    hosts.map(async ({ url }) => {
      const name = `clock: this host vs ${url}`;
      try {
        const sent = Date.now();
        const res = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(2000) });
        const received = Date.now();
        const date = Date.parse(res.headers.get("date") ?? "");
        if (Number.isNaN(date)) return warn(name, "the host sent no Date header", "upgrade that host");
        // The Date header is truncated to the second: allow for that and the round trip.
        const skew = date + 500 - (sent + received) / 2;
        const detail = `about ${Math.round(skew)} ms (±${Math.round((received - sent) / 2) + 500} ms)`;
        return Math.abs(skew) > warnSkewMs + 500
          ? warn(name, detail, "synchronise clocks (chrony/NTP) on every host")
          : ok(name, detail);
      } catch (e) {
        return warn(
          name,
          `unreachable: ${String(e)}`,
          "start the host or remove it with s3dir cluster host remove",
        );
      }
    }),
  );
}
