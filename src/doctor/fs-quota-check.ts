import { fsQuotaSupport } from "../storage/quota/fs-quota.ts";
import { type CheckResult, ok } from "./check.ts";

const NAME = "filesystem quotas";

/**
 * Which real directory quotas the root's filesystem offers for `bucket quota set --fs-quota`.
 * Their absence is no fault: s3dir's own hard quotas work everywhere.
 */
export async function checkFsQuotas(root: string): Promise<CheckResult> {
  const support = await fsQuotaSupport(root).catch((e) => ({
    kind: "none" as const,
    fsType: "unknown",
    reason: String(e),
  }));
  if (support.kind === "xfs") {
    return ok(NAME, `XFS project quotas on ${support.mountPoint} (bucket quota set --fs-quota sets one)`);
  }
  if (support.kind === "cephfs") {
    return ok(
      NAME,
      `CephFS ceph.quota.max_bytes on ${support.mountPoint} (bucket quota set --fs-quota sets one)`,
    );
  }
  return ok(NAME, `none (${support.reason}); s3dir's own bucket quotas apply`);
}
