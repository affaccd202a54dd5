/**
 * Removing what dead writers left in a bucket's staging area: temp files of PUTs, copies, part
 * uploads, assemblies and metadata records, and half-made upload directories. One readdir; each
 * entry's writer comes from its name (../layout/temp-names.ts) and is looked up once (writer-lease.ts).
 * Entries of live writers, and names without a writer id, are left alone.
 */
import { errCode } from "../../runtime/fs-ops.ts";
import type { StoreContext } from "../context.ts";
import { writerOf } from "../layout/temp-names.ts";
import type { WriterLiveness } from "./writer-lease.ts";

const done = [() => true, () => false] as const;

export async function removeDeadTemps(
  ctx: StoreContext,
  bucket: string,
  liveness: WriterLiveness,
): Promise<number> {
  const { ops, layout } = ctx;
  const dir = layout.reserved(bucket, "tmp");
  const names = await ops.readdir(dir).catch((e) => {
    if (errCode(e) === "ENOENT" || errCode(e) === "ENOTDIR") return [];
    throw e;
  });
  let removed = 0;
  for (const d of names) {
    const writer = writerOf(d.name);
    if (!writer || (await liveness.alive(writer))) continue;
    const path = `${dir}/${d.name}`;
    if (d.isDirectory()) {
      for (const inner of await ops.readdir(path).catch(() => [])) {
        await ops.unlink(`${path}/${inner.name}`).catch(() => {});
      }
      if (await ops.rmdir(path).then(...done)) removed++;
    } else if (await ops.unlink(path).then(...done)) removed++;
  }
  return removed;
}
