/**
 * A bucket's versioning state, a bucket setting (`settings/versioning`) shared by every host.
 * Unversioned until first set; once Enabled or Suspended it never goes back (the API has no
 * way to say Unversioned). Writes and reads ask for the state on every request, so it is
 * cached per bucket: reused for up to REVALIDATE_MS, then revalidated by one lstat of the
 * setting file (re-read only when its inode or mtime moved). A change made on another host is
 * thus seen within about a second; AWS itself asks clients to wait after enabling versioning
 * before they write.
 */
import { readFile } from "node:fs/promises";
import { errCode, type FsOps } from "../../runtime/fs-ops.ts";
import type { BucketSettings } from "../buckets/settings.ts";

export type VersioningState = "Unversioned" | "Enabled" | "Suspended";

const REVALIDATE_MS = 1000;

interface Cached {
  state: VersioningState;
  stamp: string;
  checkedAt: number;
}

export class VersioningStates {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly ops: FsOps,
    private readonly settings: BucketSettings,
  ) {}

  /** The state as writes and reads use it (no bucket check). */
  async get(bucket: string): Promise<VersioningState> {
    const now = Date.now();
    const hit = this.cache.get(bucket);
    if (hit && now - hit.checkedAt < REVALIDATE_MS) return hit.state;
    const path = this.settings.path(bucket, "versioning");
    const st = await this.ops.lstat(path).catch(() => undefined);
    const stamp = st ? `${st.ino}:${st.mtimeNs}:${st.size}` : "";
    if (hit && hit.stamp === stamp) {
      hit.checkedAt = now;
      return hit.state;
    }
    let state: VersioningState = "Unversioned";
    if (st) {
      const text = await readFile(path, "utf8").catch((e) => {
        if (errCode(e) === "ENOENT") return "";
        throw e;
      });
      state = parseState(text);
    }
    this.cache.set(bucket, { state, stamp, checkedAt: now });
    return state;
  }

  /** The state a client reads back (throws NoSuchBucket). */
  async read(bucket: string): Promise<VersioningState> {
    return parseState((await this.settings.get(bucket, "versioning")) ?? "");
  }

  async put(bucket: string, state: "Enabled" | "Suspended"): Promise<void> {
    await this.settings.put(bucket, "versioning", `${state}\n`);
    this.cache.delete(bucket);
  }

  /** Forgets a bucket's state (the bucket was deleted or created). */
  forget(bucket: string): void {
    this.cache.delete(bucket);
  }
}

function parseState(text: string): VersioningState {
  const t = text.trim();
  return t === "Enabled" || t === "Suspended" ? t : "Unversioned";
}
