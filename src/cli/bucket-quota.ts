/**
 * `s3dir bucket quota set BUCKET SIZE | unset BUCKET`, `bucket create NAME --hard-quota SIZE`,
 * and the used/hard column of `bucket list`. Setting a quota recounts the bucket at once, so
 * the shared usage starts from the bytes already there (storage/quota/).
 */
import type { PosixStore } from "../storage/index.ts";
import { formatBytes } from "../storage/quota/gate.ts";
import type { adminContext } from "./admin-options.ts";
import { parseMinFree } from "./min-free.ts";
import { UsageError } from "./usage-error.ts";

export const quotaUsage = "s3dir bucket quota ACTION BUCKET [SIZE]";

/** A size such as 10GiB, 512MiB, 2TB or a byte count (powers of 1024, as --min-free). */
export function parseQuotaSize(text: string): number {
  const size = text.endsWith("%") ? undefined : parseMinFree(text);
  if (!size || !("bytes" in size)) throw new UsageError(`not a size: ${text} (say 10GiB, 512MiB, 2TB)`);
  return size.bytes;
}

export async function setHardQuota(store: PosixStore, bucket: string, bytes: number | undefined) {
  await store.quota.limits.put(bucket, bytes);
  if (bytes !== undefined) await store.quota.recount(bucket, true);
}

export async function bucketQuota(
  ctx: Awaited<ReturnType<typeof adminContext>>,
  store: PosixStore,
  [action, bucket, size]: string[],
): Promise<void> {
  if (!bucket) throw new UsageError(`usage: ${quotaUsage}`);
  if (action === "set" && size) {
    const hard = parseQuotaSize(size);
    // The filesystem's quota first: where it cannot be set, nothing changes.
    const fs = ctx.options["fs-quota"] !== "true" ? undefined : await store.quota.setFsQuota(bucket, hard);
    await setHardQuota(store, bucket, hard);
    const { used } = await store.quota.usage(bucket);
    const fsText = fs
      ? `; ${fs.kind === "xfs" ? `XFS project quota (project ${fs.projectId})` : "CephFS quota"} set too`
      : "";
    return ctx.print(
      { bucket, hardQuota: hard, used, fsQuota: fs ?? null },
      `hard quota of ${bucket}: ${formatBytes(hard)} (${formatBytes(used)} used)${fsText}`,
    );
  }
  if (action === "unset" && !size) {
    const fs = await store.quota.unsetFsQuota(bucket);
    await setHardQuota(store, bucket, undefined);
    return ctx.print(
      { bucket, hardQuota: null, fsQuotaRemoved: fs ?? null },
      `removed the hard quota of ${bucket}${fs ? ` and its ${fs.kind === "xfs" ? "XFS project" : "CephFS"} quota` : ""}`,
    );
  }
  throw new UsageError(`usage: ${quotaUsage}`);
}

/** The quota of bucket list: used and hard bytes (hard null when unset), and its text column. */
export async function quotaColumn(
  store: PosixStore,
  bucket: string,
): Promise<{ json: { used: number | null; hard: number | null }; text: string }> {
  const { used, hard } = await store.quota.usage(bucket);
  if (hard === undefined) return { json: { used: null, hard: null }, text: "-/-" };
  return { json: { used, hard }, text: `${formatBytes(used)}/${formatBytes(hard)}` };
}
