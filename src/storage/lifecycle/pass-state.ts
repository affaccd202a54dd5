/**
 * Where a bucket's lifecycle pass stands, shared by every host in
 * `<root>/.s3dir/buckets/<bucket>/lifecycle/state.json` and written (temp file + rename) by the
 * lease holder after every step, so that a host taking over resumes from the last key done.
 */

import { errCode } from "../../runtime/fs-ops.ts";
import type { StoreContext } from "../context.ts";
import { mkdirs } from "../layout/mkdirs.ts";
import { randomName } from "../layout/temp-names.ts";
import type { PassCounts } from "./events.ts";
import { lifecycleDir } from "./lease.ts";

export interface PassCursor {
  /** When this pass began. */
  started: number;
  /** Versions first (keys in listing order), then incomplete multipart uploads. */
  phase: "versions" | "uploads";
  /** The last key done (versions), or the key marker of the next uploads page. */
  key: string;
  /** The upload id marker of the next uploads page. */
  uploadId: string;
  /** What the pass did so far, all hosts together (logged when it ends). */
  counts?: PassCounts;
}

export interface PassState {
  /** The pass under way; absent between passes. */
  pass?: PassCursor;
  /** When the last pass finished (ms); 0 before the first. */
  lastFinished: number;
}

export async function readPassState(ctx: StoreContext, bucket: string): Promise<PassState> {
  let text: string;
  try {
    text = (await ctx.ops.readFile(`${lifecycleDir(ctx, bucket)}/state.json`)).toString("utf8");
  } catch (e) {
    if (errCode(e) === "ENOENT") return { lastFinished: 0 };
    throw e;
  }
  try {
    const parsed = JSON.parse(text) as PassState;
    return { lastFinished: Number(parsed.lastFinished) || 0, ...(parsed.pass ? { pass: parsed.pass } : {}) };
  } catch {
    return { lastFinished: 0 };
  }
}

export async function writePassState(ctx: StoreContext, bucket: string, state: PassState): Promise<void> {
  // Staged where the dead-writer sweep removes what a host killed mid-write left.
  const tmp = ctx.layout.reserved(bucket, "tmp");
  await mkdirs(ctx.ops, tmp);
  const temp = `${tmp}/${randomName("lifecycle")}`;
  await ctx.ops.writeNewFile(temp, new TextEncoder().encode(JSON.stringify(state)));
  try {
    await ctx.ops.rename(temp, `${lifecycleDir(ctx, bucket)}/state.json`);
  } catch (e) {
    await ctx.ops.unlink(temp).catch(() => {});
    throw e;
  }
}
