import { mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { readCluster } from "../cluster/cluster-file.ts";
import { hostUrl } from "../cluster/host-address.ts";
import { checkRootEncryption } from "../runtime/root-encryption.ts";
import { type CheckResult, fail, ok, warn } from "./check.ts";
import { checkChown } from "./chown-check.ts";
import { checkFilesystemClock, checkHostClocks } from "./clock-check.ts";
import {
  checkCaseSensitivity,
  checkExclusiveCreate,
  checkFsync,
  checkLink,
  checkLongNames,
  checkRename,
  checkSpace,
  checkSystemDir,
  checkXattrs,
} from "./file-checks.ts";
import { checkFsQuotas } from "./fs-quota-check.ts";
import { checkLocks } from "./lock-check.ts";
import { checkObjectLockProtection } from "./object-lock-check.ts";
import { checkBucketDirs, checkProtectedHardlinks, checkRootAccess } from "./trust-checks.ts";

/**
 * Everything s3dir relies on, checked on the root itself (in a scratch directory under the
 * system directory, removed afterwards), plus the clocks of the recorded cluster's hosts.
 */
export async function runDoctor(root: string): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  try {
    if (!statSync(root).isDirectory())
      return [fail("root", `${root} is not a directory`, "point --root at a directory")];
  } catch (e) {
    return [fail("root", String(e), "create the root or fix --root")];
  }
  const system = checkSystemDir(root);
  results.push(system);
  if (system.status === "fail") return results;
  const scratch = mkdtempSync(join(root, ".s3dir", "doctor-"));
  try {
    results.push(
      checkRename(scratch),
      checkExclusiveCreate(scratch),
      checkLink(scratch),
      checkXattrs(scratch),
      checkFsync(scratch),
      checkCaseSensitivity(scratch),
      checkLongNames(scratch),
      await checkLocks(scratch),
      checkFilesystemClock(scratch),
      checkObjectLockProtection(scratch),
      checkChown(scratch),
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  results.push(checkSpace(root), checkRootAccess(root), checkBucketDirs(root), checkProtectedHardlinks());
  const encryption = await checkRootEncryption(root);
  results.push(
    encryption.encrypted
      ? ok("encryption at rest", encryption.checked.join("; "))
      : warn(
          "encryption at rest",
          encryption.checked.join("; "),
          "see docs/operations.md, Encryption at rest, if data must be encrypted on disk",
        ),
  );
  results.push(await checkFsQuotas(root));
  const cluster = await readCluster(root).catch(() => undefined);
  if (cluster) results.push(...(await checkHostClocks(cluster.hosts.map((h) => ({ url: hostUrl(h) })))));
  return results;
}
