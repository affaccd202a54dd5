/**
 * An early answer to "could this key be published now?", for work that ends in a publish long
 * after it starts (CreateMultipartUpload): a key that POSIX cannot hold is refused before any
 * part is uploaded. Publishing checks again and stays the authority (the tree may change in
 * between); this walk only reads.
 */
import { errCode } from "../../runtime/fs-ops.ts";
import type { StoreContext } from "../context.ts";
import { isStorageError, keyIsPrefix, parentIsObject } from "../errors.ts";
import type { KeyFallback } from "../types.ts";
import { isDirectoryKey } from "./keys.ts";
import { trimSlash } from "./parent-dirs.ts";

/** How many empty directories in a key's way publishing removes as leftovers (no more). */
export const LEFTOVER_DIR_BUDGET = 64;

/** Throws ParentIsObject (a parent path is a file) or KeyIsPrefix (objects below the key). */
export async function checkKeyPlace(ctx: StoreContext, bucket: string, key: string): Promise<void> {
  const bucketPath = ctx.layout.bucket(bucket);
  const segments = trimSlash(key).split("/");
  let path = bucketPath;
  for (let i = 0; i < segments.length; i++) {
    path = `${path}/${segments[i]}`;
    const st = await lstatIfAny(ctx, path);
    if (!st) return;
    const own = i === segments.length - 1;
    if (st.isDirectory()) {
      if (own && !isDirectoryKey(key) && (await holdsObjects(ctx, bucketPath, `${key}/`, path))) {
        throw keyIsPrefix(key);
      }
      continue;
    }
    // A file (or anything else) at the key itself is the object being replaced.
    if (own && !isDirectoryKey(key)) return;
    const blocking = segments.slice(0, i + 1).join("/");
    throw parentIsObject(key, blocking, st.isSymbolicLink() ? "a symlink" : "an object");
  }
}

/** Whether e is the tree refusing a key's own path (ParentIsObject or KeyIsPrefix). */
export function isRefusedPlace(e: unknown): boolean {
  return isStorageError(e) && (e.code === "ParentIsObject" || e.code === "KeyIsPrefix");
}

/** key when the tree can hold it now, else the fallback's disk key. */
export async function placeOrFallback(
  ctx: StoreContext,
  bucket: string,
  key: string,
  fallback: KeyFallback,
): Promise<string> {
  try {
    await checkKeyPlace(ctx, bucket, key);
    return key;
  } catch (e) {
    if (!isRefusedPlace(e)) throw e;
    return fallback.diskKey();
  }
}

async function lstatIfAny(ctx: StoreContext, path: string) {
  try {
    return await ctx.ops.lstatIfAny(path);
  } catch (e) {
    if (errCode(e) === "ENOTDIR") return undefined;
    throw e;
  }
}

/**
 * Whether the directory at path holds an object at any depth: a file, a directory object, or
 * more directories than publishing would clear (the mirror of Publisher.removeLeftoverDir).
 */
async function holdsObjects(
  ctx: StoreContext,
  bucketPath: string,
  key: string,
  path: string,
  budget = { dirs: LEFTOVER_DIR_BUDGET },
): Promise<boolean> {
  if (--budget.dirs < 0) return true;
  const st = await lstatIfAny(ctx, path);
  if (!st) return false;
  if (!st.isDirectory()) return true;
  if (await ctx.describer.isMarkedDirectory(path, st, { bucketPath, key })) return true;
  for (const d of await ctx.ops.readdir(path).catch(() => [])) {
    if (!d.isDirectory()) return true;
    if (await holdsObjects(ctx, bucketPath, `${key}${d.name}/`, `${path}/${d.name}`, budget)) return true;
  }
  return false;
}
