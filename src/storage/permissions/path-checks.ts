/**
 * The permission checks of `--posix-permissions enforce` along an object's path, as the kernel
 * would make them for the caller's POSIX identity (see docs/security.md for which call checks
 * what). A directory or file that is missing ends the walk without a refusal: the operation
 * then answers as it would (404, idempotent delete…), as path resolution gives ENOENT there.
 * Refusals are StorageError AccessDenied naming the component, relative to the root (bucket
 * first), and the permission missing.
 */
import type { BigStats, FsOps } from "../../runtime/fs-ops.ts";
import { fGetXattr, lGetXattr } from "../../runtime/xattr.ts";
import { StorageError } from "../errors.ts";
import { ACL_XATTR, type AclEntry, parseAcl } from "./acl.ts";
import {
  describeWant,
  type InodeFacts,
  MAY_EXEC,
  MAY_READ,
  MAY_WRITE,
  type PosixIdentity,
  permits,
  stickyAllows,
} from "./permits.ts";

/** Where the inode's access ACL is read from (only when the decision needs it). */
export type AclSource = { path: string } | { fd: number };

export function factsOf(st: BigStats): InodeFacts {
  return { mode: Number(st.mode), uid: Number(st.uid), gid: Number(st.gid), isDirectory: st.isDirectory() };
}

function readAcl(from: AclSource): AclEntry[] | undefined {
  try {
    const value = "fd" in from ? fGetXattr(from.fd, ACL_XATTR) : lGetXattr(from.path, ACL_XATTR);
    return value ? parseAcl(value) : undefined;
  } catch {
    return undefined; // no xattrs here (EOPNOTSUPP): the mode alone decides, as in the kernel
  }
}

/** permits() reading the ACL only when the decision looks at it (not the owner, group bits set). */
export function mayAccess(st: BigStats, from: AclSource, who: PosixIdentity, want: number): boolean {
  const inode = factsOf(st);
  const aclMatters = inode.uid !== who.uid && (inode.mode & 0o070) !== 0;
  return permits(inode, aclMatters ? readAcl(from) : undefined, who, want);
}

export function denied(who: PosixIdentity, name: string, want: number, isDirectory: boolean): StorageError {
  const what = isDirectory ? "directory" : "file";
  return new StorageError(
    "AccessDenied",
    `Access Denied: uid ${who.uid} lacks ${describeWant(want, isDirectory)} permission on ${what} '${name}'`,
  );
}

/** Throws unless who may access the inode for want. */
export function requireAccess(
  st: BigStats,
  from: AclSource,
  who: PosixIdentity,
  want: number,
  name: string,
): void {
  if (!mayAccess(st, from, who, want)) throw denied(who, name, want, st.isDirectory());
}

/** A directory met on the walk: its stat, its path and its name relative to the root. */
interface WalkedDir {
  st: BigStats;
  path: string;
  name: string;
}

/**
 * Search (x) on the bucket's directory and each directory of segments below it, in order.
 * Returns the directories walked; stops early (short result) at a missing or non-directory
 * component.
 */
export async function searchPath(
  ops: FsOps,
  root: string,
  bucket: string,
  segments: readonly string[],
  who: PosixIdentity,
): Promise<WalkedDir[]> {
  const walked: WalkedDir[] = [];
  let name = bucket;
  for (let i = 0; i <= segments.length; i++) {
    if (i > 0) name = `${name}/${segments[i - 1]}`;
    const path = `${root}/${name}`;
    const st = await ops.lstat(path).catch(() => undefined);
    if (!st?.isDirectory()) break;
    walked.push({ st, path, name });
    if (i < segments.length) requireAccess(st, { path }, who, MAY_EXEC, name);
  }
  return walked;
}

/** The directories of key above its entry ("a/b/c" and "a/b/c/": ["a", "b"]). */
export function dirSegments(key: string): string[] {
  const segs = (key.endsWith("/") ? key.slice(0, -1) : key).split("/");
  segs.pop();
  return segs;
}

/** GET, HEAD, copy sources: search on every directory above the key (the file is checked once open). */
export async function checkReadPath(
  ops: FsOps,
  root: string,
  bucket: string,
  key: string,
  who: PosixIdentity,
): Promise<void> {
  const segs = dirSegments(key);
  const walked = await searchPath(ops, root, bucket, segs, who);
  const parent = walked[segs.length];
  if (parent) requireAccess(parent.st, { path: parent.path }, who, MAY_EXEC, parent.name);
}

/** Read (r) on the opened file (or directory object), from its descriptor. */
export function checkReadOpen(fd: number, st: BigStats, who: PosixIdentity, bucket: string, key: string) {
  const name = `${bucket}/${key.endsWith("/") ? key.slice(0, -1) : key}`;
  requireAccess(st, { fd }, who, MAY_READ, name);
}

/**
 * Writing or removing key's entry (PUT, Copy, Complete, DeleteObject): search down to the
 * parent, then write and search on the parent, or, where directories are missing and create
 * is set, on the deepest existing one (mkdir needs it); and the sticky rule on an entry that
 * is replaced or removed. Without create (delete) a missing parent or entry is no refusal.
 */
export async function checkWritePath(
  ops: FsOps,
  root: string,
  bucket: string,
  key: string,
  who: PosixIdentity,
  create: boolean,
): Promise<void> {
  const segs = dirSegments(key);
  const walked = await searchPath(ops, root, bucket, segs, who);
  const deepest = walked[walked.length - 1];
  if (!deepest) return; // no bucket: the operation says NoSuchBucket
  const complete = walked.length === segs.length + 1;
  if (!complete) {
    if (!create) return;
    // A non-directory in the way is the operation's ParentIsObject; only a missing one is made.
    const next = `${deepest.path}/${segs[walked.length - 1]}`;
    if (
      await ops.lstat(next).then(
        () => true,
        () => false,
      )
    )
      return;
    requireAccess(deepest.st, { path: deepest.path }, who, MAY_WRITE | MAY_EXEC, deepest.name);
    return;
  }
  const isDirKey = key.endsWith("/");
  const entryName = (isDirKey ? key.slice(0, -1) : key).split("/").pop()!;
  const found = await ops.lstat(`${deepest.path}/${entryName}`).catch(() => undefined);
  // Only an entry the operation would replace or remove: a file for a key, a directory for "a/".
  const entry = found && (isDirKey ? found.isDirectory() : found.isFile()) ? found : undefined;
  if (!entry && !create) return;
  requireAccess(deepest.st, { path: deepest.path }, who, MAY_WRITE | MAY_EXEC, deepest.name);
  // A directory object written again keeps its directory: nothing is replaced.
  if (entry && !(isDirKey && create) && !stickyAllows(factsOf(deepest.st), Number(entry.uid), who)) {
    throw new StorageError(
      "AccessDenied",
      `Access Denied: uid ${who.uid} may not replace or remove '${deepest.name}/${entryName}': '${deepest.name}' is sticky (+t) and neither is theirs`,
    );
  }
}
