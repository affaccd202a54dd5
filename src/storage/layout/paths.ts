/**
 * Where buckets, objects and reserved directories live, and opening them without ever
 * traversing a symlink: open with O_NOFOLLOW (final component), then read the kernel's
 * path of the descriptor from /proc/self/fd and require it to equal the expected real
 * path (intermediate components). One extra readlink on procfs: ~3 µs, always local.
 *
 * Opens are O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer, and a
 * POSIX user's `mkfifo` in a bucket froze the whole host. The type then comes from the
 * descriptor (fstat): only regular files (directories with O_DIRECTORY) are ever returned.
 * The flag stays set: on Linux it has no effect on regular files or directories.
 *
 * Given the layout, the open is one openat2 below a descriptor of the root with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS (runtime/open-beneath.ts; on network filesystems on a
 * worker thread, runtime/fs-threads.ts): the kernel refuses any symlink on the way, so
 * no readlink is needed.
 */
import { fdPath } from "../../runtime/fd-path.ts";
import {
  type BigStats,
  errCode,
  type FsOps,
  O_DIRECTORY,
  O_NOFOLLOW,
  O_NONBLOCK,
  O_RDONLY,
} from "../../runtime/fs-ops.ts";
import { openBeneathAsync } from "../../runtime/fs-threads.ts";
import { openBeneath, openBeneathRoot } from "../../runtime/open-beneath.ts";
import { bindsStampSync, readBindsSync } from "./bucket-binds.ts";
import { RESERVED } from "./keys.ts";

/** Bound buckets' paths → their state directories, for bucketStateOf (all roots of the process). */
const boundStates = new Map<string, string>();

export class Layout {
  /** undefined: not opened yet; null: openat2 cannot be used here. */
  private beneathFd: number | null | undefined;

  /** Buckets bound to an existing directory (bucket-binds.ts): name → path relative to the root. */
  private binds = new Map<string, string>();
  private bindsStamp = "";

  /** root must be a real path (no symlinks). */
  constructor(readonly root: string) {
    this.refreshBinds();
  }

  /** Re-reads the bind records when their folder changed; cheap enough to call once a second. */
  refreshBinds(): void {
    const stamp = bindsStampSync(this.root);
    if (stamp === this.bindsStamp) return;
    this.bindsStamp = stamp;
    for (const rel of this.binds.values()) boundStates.delete(`${this.root}/${rel}`);
    this.binds = stamp === "" ? new Map() : readBindsSync(this.root);
    for (const [name, rel] of this.binds) boundStates.set(`${this.root}/${rel}`, this.reserved(name));
  }

  /** The names of the bound buckets. */
  boundNames(): string[] {
    return [...this.binds.keys()];
  }

  /** The directory (relative to the root) a bound bucket serves; undefined for a top-level one. */
  boundPath(name: string): string | undefined {
    return this.binds.get(name);
  }

  /** An O_PATH descriptor of the root for openat2, opened once per host; undefined where unusable. */
  rootFd(): number | undefined {
    if (this.beneathFd === undefined) {
      try {
        this.beneathFd = openBeneathRoot(this.root) ?? null;
      } catch {
        return undefined;
      }
    }
    return this.beneathFd ?? undefined;
  }

  systemDir(): string {
    return `${this.root}/${RESERVED}`;
  }
  bucket(name: string): string {
    return `${this.root}/${this.bucketDir(name)}`;
  }
  /** The bucket's directory relative to the root: its name, or the directory it is bound to. */
  bucketDir(name: string): string {
    return this.binds.get(name) ?? name;
  }
  /** Path of a key; a directory key ("a/b/") maps to the directory ("a/b"). */
  object(bucket: string, key: string): string {
    return `${this.bucket(bucket)}/${key.endsWith("/") ? key.slice(0, -1) : key}`;
  }
  /**
   * The server's own state for a bucket (settings, staging, uploads, serving links, locks):
   * `<root>/.s3dir/buckets/<bucket>/<sub>`, inside the system directory (mode 0700, the server's
   * user), never inside the bucket directory, whose POSIX owner could swap any entry for a link.
   */
  reserved(bucket: string, sub?: string): string {
    return `${this.root}/${RESERVED}/${BUCKET_STATE}/${bucket}${sub ? `/${sub}` : ""}`;
  }
}

/** The folder of the system directory that holds each bucket's state. */
export const BUCKET_STATE = "buckets";

/** The state directory of the bucket at bucketPath (`<root>/<bucket>`, or a bound bucket's directory), as Layout.reserved. */
export function bucketStateOf(bucketPath: string): string {
  const bound = boundStates.get(bucketPath);
  if (bound !== undefined) return bound;
  const slash = bucketPath.lastIndexOf("/");
  return `${bucketPath.slice(0, slash)}/${RESERVED}/${BUCKET_STATE}/${bucketPath.slice(slash + 1)}`;
}

export { fdPath };

/** A path that reaches the directory open on fd, usable for rename/link/unlink/lstat. */
export function viaFd(fd: number, name: string): string {
  return `/proc/self/fd/${fd}/${name}`;
}

export type VerifiedOpen =
  /** st: the descriptor's fstat, a regular file (a directory when opened with O_DIRECTORY). */
  | { ok: true; fd: number; st: BigStats }
  /** The file was replaced or removed between lookup and check: retry. */
  | { ok: false; reason: "moved" }
  /** A component is a symlink (or the path does not lead where expected). */
  | { ok: false; reason: "symlink" }
  /** A FIFO, socket or device node: never an object, treated as absent. */
  | { ok: false; reason: "special" };

/**
 * Opens path (already an absolute path under the real root) without following symlinks and
 * without blocking. Errors from open (ENOENT, ENOTDIR, ELOOP, EACCES…) propagate.
 */
export async function openVerified(
  ops: FsOps,
  path: string,
  flags = O_RDONLY,
  layout?: Layout,
): Promise<VerifiedOpen> {
  if (layout && path.startsWith(`${layout.root}/`)) {
    const opened = await openBelowRoot(ops, layout, path, flags);
    if (opened) return opened;
  }
  let fd: number;
  try {
    fd = await ops.open(path, flags | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    // ENXIO: a socket, or a device without its driver.
    if (errCode(e) === "ENXIO") return { ok: false, reason: "special" };
    throw e;
  }
  let real: string;
  let st: BigStats;
  try {
    real = fdPath(fd);
    st = await ops.fstat(fd);
  } catch (e) {
    await ops.close(fd);
    throw e;
  }
  if (real !== path) {
    await ops.close(fd);
    return real.endsWith(" (deleted)") ? { ok: false, reason: "moved" } : { ok: false, reason: "symlink" };
  }
  if (flags & O_DIRECTORY ? st.isDirectory() : st.isFile()) return { ok: true, fd, st };
  await ops.close(fd);
  return { ok: false, reason: "special" };
}

/**
 * openVerified through openat2 below the root; undefined where openat2 is unavailable. On a
 * network filesystem (async ops) the call runs on a worker thread, since it waits for the
 * server there.
 */
async function openBelowRoot(
  ops: FsOps,
  layout: Layout,
  path: string,
  flags: number,
): Promise<VerifiedOpen | undefined> {
  const rootFd = layout.rootFd();
  if (rootFd === undefined) return undefined;
  let fd: number | undefined;
  const relative = path.slice(layout.root.length + 1);
  const how = flags | O_NOFOLLOW | O_NONBLOCK;
  try {
    fd = ops.sync ? openBeneath(rootFd, relative, how) : await openBeneathAsync(rootFd, relative, how);
  } catch (e) {
    const code = errCode(e);
    if (code === "ENXIO") return { ok: false, reason: "special" };
    // A symlink on the way (ELOOP) or a path that would leave the root (EXDEV).
    if (code === "ELOOP" || code === "EXDEV") return { ok: false, reason: "symlink" };
    throw e;
  }
  if (fd === undefined) return undefined;
  let st: BigStats;
  try {
    st = await ops.fstat(fd);
  } catch (e) {
    await ops.close(fd);
    throw e;
  }
  if (flags & O_DIRECTORY ? st.isDirectory() : st.isFile()) return { ok: true, fd, st };
  await ops.close(fd);
  return { ok: false, reason: "special" };
}

/**
 * Opens a directory verified as above; undefined when missing, not a directory or symlinked.
 * With the layout that is one openat2 and nothing else (on a worker thread on a network
 * filesystem): O_DIRECTORY already refuses anything but a directory, so no fstat is needed to tell.
 */
export async function openDirVerified(
  ops: FsOps,
  path: string,
  layout?: Layout,
): Promise<number | undefined> {
  try {
    const rootFd = layout && path.startsWith(`${layout.root}/`) ? layout.rootFd() : undefined;
    if (rootFd !== undefined) {
      const relative = path.slice((layout as Layout).root.length + 1);
      const how = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK;
      const fd = ops.sync
        ? openBeneath(rootFd, relative, how)
        : await openBeneathAsync(rootFd, relative, how);
      if (fd !== undefined) return fd;
    }
    const r = await openVerified(ops, path, O_RDONLY | O_DIRECTORY);
    return r.ok ? r.fd : undefined;
  } catch (e) {
    const code = errCode(e);
    // EXDEV: openat2 saw a path that would leave the root.
    if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP" || code === "ESTALE" || code === "EXDEV")
      return undefined;
    throw e;
  }
}
