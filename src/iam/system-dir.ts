import { mkdir } from "node:fs/promises";
import { join } from "node:path";

/** The reserved system directory of a root: users, keys, config. Never a bucket. */
export async function ensureSystemDir(root: string): Promise<string> {
  const dir = join(root, ".s3dir");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}
