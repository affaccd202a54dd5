/**
 * Every host's audit spool (`<root>/.s3dir/audit/spool/<host-id>/`, on the shared filesystem) and
 * what it has not delivered yet, read from the files alone: the sizes of the segments past the
 * spool's offset. A readdir and a stat per segment, so an admin page may ask every few seconds;
 * events are not counted (that would read every byte).
 */
import { lstat, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { type AuditPaths, spoolName } from "./audit-paths.ts";
import { offsetFile, readSpoolOffset } from "./spool-offset.ts";
import { listSegments, segmentPath } from "./spool-segments.ts";

export interface SpoolDepth {
  /** The spool's name: its host's id as a path segment. */
  spool: string;
  /** Whether it is the spool of the host that answers. */
  own: boolean;
  bytesPending: number;
  /** When a segment or the offset last changed (ISO time); null for an empty spool. */
  lastChange: string | null;
}

async function depthOf(dir: string): Promise<{ bytesPending: number; lastChange: number }> {
  const from = await readSpoolOffset(dir).catch(() => undefined);
  let bytesPending = 0;
  let lastChange = (await stat(offsetFile(dir)).catch(() => undefined))?.mtimeMs ?? 0;
  for (const seq of await listSegments(dir)) {
    if (from && seq < from.segment) continue;
    const info = await stat(segmentPath(dir, seq)).catch(() => undefined);
    if (!info) continue;
    const delivered = from && seq === from.segment ? from.offset : 0;
    bytesPending += Math.max(0, info.size - delivered);
    lastChange = Math.max(lastChange, info.mtimeMs);
  }
  return { bytesPending, lastChange };
}

/** The spools under `paths.spools`, by name; `ownHostId` is the answering host's id. */
export async function spoolDepths(paths: AuditPaths, ownHostId: string): Promise<SpoolDepth[]> {
  const names = await readdir(paths.spools).catch(() => [] as string[]);
  const own = spoolName(ownHostId);
  const depths: SpoolDepth[] = [];
  for (const name of names.sort()) {
    const dir = join(paths.spools, name);
    if (!(await lstat(dir).catch(() => undefined))?.isDirectory()) continue;
    const { bytesPending, lastChange } = await depthOf(dir);
    depths.push({
      spool: name,
      own: name === own,
      bytesPending,
      lastChange: lastChange > 0 ? new Date(lastChange).toISOString() : null,
    });
  }
  return depths;
}
