/**
 * Buckets bound to a directory that already exists beneath the root (`s3dir bucket create NAME
 * --existing-path DIR`): no symlink in the tree (a bucket entry that is a link is refused
 * everywhere), but one record per bucket in the system directory, `<root>/.s3dir/binds/NAME`,
 * holding DIR relative to the root. Layout.bucket resolves it; every open below it is still made
 * with the no-symlink checks of paths.ts. Hosts re-read the folder when its mtime changes (checked
 * once a second), so a bind made by the CLI is served everywhere within about a second.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { errCode, type FsOps } from "../../runtime/fs-ops.ts";
import { StorageError } from "../errors.ts";
import { isValidBucketName, RESERVED } from "./keys.ts";

export const BINDS = "binds";

export function bindsDir(root: string): string {
  return `${root}/${RESERVED}/${BINDS}`;
}

/** The binds folder as it is now: bucket name → directory relative to the root. */
export function readBindsSync(root: string): Map<string, string> {
  const binds = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(bindsDir(root));
  } catch (e) {
    if (errCode(e) === "ENOENT") return binds;
    throw e;
  }
  for (const name of names) {
    if (!isValidBucketName(name)) continue;
    try {
      const rel = readFileSync(`${bindsDir(root)}/${name}`, "utf8").trim();
      if (bindPathProblem(rel) === undefined) binds.set(name, rel);
    } catch {
      // Removed meanwhile, or being written: the next look sees it.
    }
  }
  return binds;
}

/** A stamp of the binds folder that changes when an entry is added or removed. */
export function bindsStampSync(root: string): string {
  try {
    const st = statSync(bindsDir(root), { bigint: true });
    return `${st.ino}:${st.mtimeNs}`;
  } catch {
    return "";
  }
}

/** Why a directory relative to the root cannot be a bucket's, or undefined when it can. */
export function bindPathProblem(rel: string): string | undefined {
  if (rel === "" || rel.startsWith("/")) return "the path must name a directory beneath the root";
  const segments = rel.split("/");
  if (segments.some((s) => s === "" || s === "." || s === ".." || s.includes("\0")))
    return "the path must not contain empty, . or .. segments";
  if (segments[0] === RESERVED) return `the path must not be inside the system directory ${RESERVED}`;
  if (segments.length === 1 && isValidBucketName(segments[0]!))
    return `${segments[0]} is already the bucket of that name`;
  return undefined;
}

/** DIR as given (relative to the root, or absolute beneath it) → the relative path; throws InvalidRequest. */
export function bindPathOf(root: string, dir: string): string {
  let rel = dir.replace(/\/+$/, "");
  if (rel.startsWith("/")) {
    if (!rel.startsWith(`${root}/`))
      throw new StorageError("InvalidRequest", `${dir} is not beneath ${root}`);
    rel = rel.slice(root.length + 1);
  }
  const problem = bindPathProblem(rel);
  if (problem) throw new StorageError("InvalidRequest", `${dir}: ${problem}`);
  return rel;
}

/** Publishes a bind record; O_EXCL, so two binds of one name cannot both succeed. */
export async function writeBind(ops: FsOps, root: string, name: string, rel: string): Promise<void> {
  await ops.mkdir(bindsDir(root), 0o700).catch((e) => {
    if (errCode(e) !== "EEXIST") throw e;
  });
  try {
    await ops.writeNewFile(`${bindsDir(root)}/${name}`, new TextEncoder().encode(`${rel}\n`));
  } catch (e) {
    if (errCode(e) === "EEXIST") throw new StorageError("BucketExists");
    throw e;
  }
}

export async function removeBind(ops: FsOps, root: string, name: string): Promise<void> {
  await ops.unlink(`${bindsDir(root)}/${name}`).catch((e) => {
    if (errCode(e) !== "ENOENT") throw e;
  });
}
