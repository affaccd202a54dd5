import { join } from "node:path";

/** Where the audit trail lives under the system directory: `<root>/.s3dir/audit/`. */
export interface AuditPaths {
  dir: string;
  /** The webhook setting shared by every host. */
  settings: string;
  /** The parent of every host's spool. */
  spools: string;
  /** One host's spool: its segments, its shipped offset and its lock. */
  spool(hostId: string): string;
}

/** A host id as a single path segment: anything but letters, digits, `.`, `_` and `-` becomes `_`. */
export function spoolName(hostId: string): string {
  const name = hostId.replace(/[^\w.-]/g, "_");
  return name === "." || name === ".." || name === "" ? `_${name}` : name;
}

export function auditPaths(root: string): AuditPaths {
  const dir = join(root, ".s3dir", "audit");
  const spools = join(dir, "spool");
  return {
    dir,
    settings: join(dir, "webhook.json"),
    spools,
    spool: (hostId) => join(spools, spoolName(hostId)),
  };
}

/**
 * The host id a process's audit spool is named by: the host's, and for worker k > 0 of
 * `s3dir serve --workers N` the host's with `~w<k>`, so each worker slot keeps a spool of its own.
 */
export function auditHostId(hostId: string, workerIndex = 0): string {
  return workerIndex > 0 ? `${hostId}~w${workerIndex}` : hostId;
}
