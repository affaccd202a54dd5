import { ensureSystemDirSync } from "../runtime/system-dir.ts";

/** The reserved system directory of a root: users, keys, config. Never a bucket. */
export async function ensureSystemDir(root: string): Promise<string> {
  return ensureSystemDirSync(root);
}
