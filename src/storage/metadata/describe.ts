/**
 * From a file (or directory) and its record to what S3 reports: ObjectInfo for head/get,
 * ListedObject for listings. A file without a valid record (written with cp, NFS, SMB, or
 * changed in place) gets its ETag computed as the MD5 of its content on first need; the
 * result is stored as a record bound to that size+mtime+inode (best-effort), and concurrent
 * computations for the same file version share one read.
 */

import { readWhole } from "../../runtime/file-stream.ts";
import type { BigStats, FsOps } from "../../runtime/fs-ops.ts";
import { StorageError } from "../errors.ts";
import { openVerified } from "../layout/paths.ts";
import { md5Hex } from "../objects/hashing.ts";
import type { ListedObject, ObjectInfo } from "../types.ts";
import { derivedVersionId, NULL_VERSION } from "../versions/ids.ts";
import { contentTypeFor } from "./content-type.ts";
import {
  identityOf,
  type MetadataRecord,
  makeRecord,
  recordAttributes,
  recordLock,
  recordMatches,
} from "./record.ts";
import type { MetadataStore, RecordTarget } from "./store.ts";

export function mtimeDate(st: BigStats): Date {
  return new Date(Number(st.mtimeNs / 1_000_000n));
}

export class Describer {
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly meta: MetadataStore,
    private readonly ops: FsOps,
  ) {}

  /** Describes an open regular file; st is its fstat. */
  async describeFile(fd: number, st: BigStats, t: RecordTarget): Promise<ObjectInfo> {
    const rec = await this.meta.readFd(fd, st, t);
    if (rec && recordMatches(rec, st)) return infoFromRecord(t.key, rec, st);
    // An encrypted object changed behind the record's back is unreadable, never served raw.
    if (rec?.z) throw new StorageError("SseUnreadable", `${t.key}: encrypted file changed outside S3`);
    const etag = await this.computeEtag(fd, st, t, rec);
    const attrs = staleAttributes(rec);
    return {
      ...attrs,
      contentType: attrs.contentType ?? contentTypeFor(t.key),
      key: t.key,
      size: Number(st.size),
      etag,
      lastModified: mtimeDate(st),
      versionId: derivedVersionId(st),
    };
  }

  /**
   * The ETag a write's If-Match compares with; undefined when the file is an encrypted object
   * changed outside S3 (it exists, but its ETag is unknown: no ETag matches it). Unlike
   * describeFile, never an error for such a file, so that it can still be replaced.
   */
  async currentEtag(fd: number, st: BigStats, t: RecordTarget): Promise<string | undefined> {
    const rec = await this.meta.readFd(fd, st, t);
    if (rec && recordMatches(rec, st)) return rec.e;
    if (rec?.z) return undefined;
    return this.computeEtag(fd, st, t, rec);
  }

  /** Describes an open directory when it is a directory object (marked), else undefined. */
  async describeDirectory(fd: number, st: BigStats, t: RecordTarget): Promise<ObjectInfo | undefined> {
    const rec = await this.meta.readFd(fd, st, t);
    if (!rec?.d || !recordMatches(rec, st)) return undefined;
    return infoFromRecord(t.key, rec, st);
  }

  /**
   * Listing entry of a regular file found by readdir (st = its lstat), undefined if gone. The
   * version id comes along only when asked (listings of versions).
   */
  async listEntry(
    path: string,
    st: BigStats,
    t: RecordTarget,
    withVersion = false,
  ): Promise<(ListedObject & { versionId?: string }) | undefined> {
    const rec = await this.meta.readPath(path, st, t);
    if (rec && recordMatches(rec, st)) {
      const entry = { key: t.key, size: rec.z ? rec.z.p : rec.s, etag: rec.e, lastModified: mtimeDate(st) };
      return withVersion ? { ...entry, versionId: rec.n ?? NULL_VERSION } : entry;
    }
    if (rec?.z) {
      const entry = { key: t.key, size: Number(st.size), etag: rec.e, lastModified: mtimeDate(st) };
      return withVersion ? { ...entry, versionId: derivedVersionId(st) } : entry;
    }
    let opened: Awaited<ReturnType<typeof openVerified>>;
    try {
      opened = await openVerified(this.ops, path);
    } catch {
      return undefined;
    }
    if (!opened.ok) return undefined;
    try {
      const info = await this.describeFile(opened.fd, opened.st, t);
      const entry = { key: t.key, size: info.size, etag: info.etag, lastModified: info.lastModified };
      return withVersion ? { ...entry, versionId: info.versionId } : entry;
    } finally {
      await this.ops.close(opened.fd);
    }
  }

  /** Directory-object check by path (lstat'd directory), for listings and pruning. */
  async isMarkedDirectory(path: string, st: BigStats, t: RecordTarget): Promise<ObjectInfo | undefined> {
    const rec = await this.meta.readPath(path, st, t);
    return rec?.d && recordMatches(rec, st) ? infoFromRecord(t.key, rec, st) : undefined;
  }

  private computeEtag(fd: number, st: BigStats, t: RecordTarget, stale?: MetadataRecord): Promise<string> {
    const id = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
    let p = this.inflight.get(id);
    if (!p) {
      p = this.hashAndStore(fd, st, t, stale).finally(() => this.inflight.delete(id));
      this.inflight.set(id, p);
    }
    return p;
  }

  private async hashAndStore(fd: number, st: BigStats, t: RecordTarget, stale?: MetadataRecord) {
    const h = md5Hex();
    await readWhole(fd, (c) => h.update(c));
    const etag = h.hex();
    const after = await this.ops.fstat(fd);
    if (after.size === st.size && after.mtimeNs === st.mtimeNs) {
      // A file the server did not write keeps the id derived from its identity (versions/ids.ts).
      const rec = makeRecord(identityOf(st), etag, staleAttributes(stale), {
        versionId: derivedVersionId(st),
      });
      await this.meta.writeFd(fd, t, rec).catch(() => {});
    }
    return etag;
  }
}

/**
 * User metadata that sync tools write to describe the bytes they uploaded: rclone's (and s3fs's)
 * modification time and rclone's MD5 of a multipart upload, s3cmd's attributes (mtime, MD5, mode).
 * Once the file changed they describe bytes that are gone, and a tool trusting them would, for
 * example, take an edit of the same size for the file it already has.
 */
const contentDescribingMetadata = ["mtime", "md5chksum", "s3cmd-attrs"];

/**
 * What survives of a record once its file changed: content headers, tags, the ACL and user
 * metadata, less the checksum and the user metadata that describes the former bytes.
 */
function staleAttributes(rec: MetadataRecord | undefined) {
  const attrs = recordAttributes(rec);
  delete attrs.checksum;
  for (const name of contentDescribingMetadata) delete attrs.userMetadata[name];
  return attrs;
}

export function infoFromRecord(key: string, rec: MetadataRecord, st: BigStats): ObjectInfo {
  const info: ObjectInfo = {
    ...recordAttributes(rec),
    key,
    size: rec.d ? 0 : rec.z ? rec.z.p : rec.s,
    etag: rec.e,
    lastModified: rec.d && rec.t ? new Date(rec.t) : mtimeDate(st),
    versionId: rec.n ?? NULL_VERSION,
  };
  if (!info.contentType) info.contentType = contentTypeFor(key);
  if (rec.p) info.partsCount = rec.p;
  if (rec.z) info.encryption = rec.z;
  if (rec.q) info.parts = rec.q.c ? { sizes: rec.q.s, checksums: rec.q.c } : { sizes: rec.q.s };
  const lock = recordLock(rec);
  if (lock) info.lock = lock;
  return info;
}
