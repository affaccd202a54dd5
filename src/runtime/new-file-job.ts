/**
 * A small file created, filled, labelled and renamed into place in one go, on a worker thread
 * (fs-thread.ts): one hand-off for the whole sequence instead of a thread-pool trip for the
 * create and another for the rename, with the write, fstat and fsetxattr between them off the
 * event loop too. The attribute's value holds the new file's identity (size, mtime, inode),
 * known only after the write: the caller gives it as text cut where those three go.
 *
 * On any failure the new file is removed and the error thrown: nothing was published, and the
 * caller may take its usual path from the start. Once the rename has succeeded nothing fails.
 */
import * as fs from "node:fs";
import { fSetXattr } from "./xattr.ts";

export interface NewFileJob {
  /** Created with O_EXCL: a fresh name in a directory of the same filesystem as target. */
  tempPath: string;
  /** Where the file is renamed to (e.g. `/proc/self/fd/N/name` of a verified directory). */
  target: string;
  data: Uint8Array;
  mode: number;
  owner?: { uid: number; gid: number };
  /** Attribute name, and its value as four pieces around size, mtime (ns) and inode, in that order. */
  attribute: { name: string; pieces: readonly [string, string, string, string] };
  /** fsync the file before it is renamed. */
  fsync: boolean;
}

export interface NewFileIdentity {
  size: number;
  mtimeNs: string;
  ino: string;
}

const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
const encoder = new TextEncoder();

/** Runs the job synchronously (on a worker thread); returns the published file's identity. */
export function runNewFileJob(job: NewFileJob): NewFileIdentity {
  const fd = fs.openSync(job.tempPath, O_WRONLY | O_CREAT | O_EXCL, job.mode);
  let open = true;
  try {
    let at = 0;
    while (at < job.data.length) at += fs.writeSync(fd, job.data, at, job.data.length - at, at);
    if (job.owner) fs.fchownSync(fd, job.owner.uid, job.owner.gid);
    const st = fs.fstatSync(fd, { bigint: true });
    const identity = { size: Number(st.size), mtimeNs: st.mtimeNs.toString(), ino: st.ino.toString() };
    const [p0, p1, p2, p3] = job.attribute.pieces;
    const value = `${p0}${identity.size}${p1}${identity.mtimeNs}${p2}${identity.ino}${p3}`;
    fSetXattr(fd, job.attribute.name, encoder.encode(value));
    if (job.fsync) fs.fsyncSync(fd);
    open = false;
    fs.closeSync(fd);
    fs.renameSync(job.tempPath, job.target);
    return identity;
  } catch (e) {
    if (open) {
      try {
        fs.closeSync(fd);
      } catch {}
    }
    try {
      fs.unlinkSync(job.tempPath);
    } catch {}
    throw e;
  }
}
