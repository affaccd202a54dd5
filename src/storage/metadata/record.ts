/**
 * The metadata record: one per object, stored in the `user.s3dir` xattr (or a sidecar), in a
 * compact binary form when it is a plain PUT's record (compact-record.ts) and the root allows it,
 * as JSON otherwise; both forms are always read.
 * It carries what S3 needs beyond the bytes plus the identity of the file version it describes
 * (size, mtime in ns, inode); a record whose identity does not match the file describes an older
 * version that was changed through POSIX.
 */
import type { BigStats } from "../../runtime/fs-ops.ts";
import type { ObjectLock } from "../lock/types.ts";
import type { SseRecord } from "../sse/records.ts";
import type {
  ContentHeaders,
  ObjectAttributes,
  ObjectTag,
  PartsLayout,
  StoredAcl,
  StoredChecksum,
} from "../types.ts";
import { COMPACT_RECORD_MARK, decodeCompactRecord, encodeCompactRecord } from "./compact-record.ts";

export interface MetadataRecord {
  v: 1;
  /** Size, mtime (ns, decimal) and inode (decimal) of the file version described. */
  s: number;
  m: string;
  i: string;
  /** Unquoted ETag. */
  e: string;
  /** Content headers (short names, see headerNames). */
  h?: Partial<Record<HeaderCode, string>>;
  /** User metadata. */
  u?: Record<string, string>;
  k?: StoredChecksum;
  /** Multipart parts count. */
  p?: number;
  /** Multipart part sizes (run-length) and part checksums. */
  q?: { s: [number, number][]; c?: string[] };
  /** Directory object: validated by inode only (a directory's mtime moves with its entries). */
  d?: 1;
  /** Last-Modified (ms) for directory objects. */
  t?: number;
  /** Marker in an xattr: the full record lives in the sidecar store (too large for xattrs). */
  x?: 1;
  /** Server-side encryption: the file holds sealed chunks (`s` stays the file's size). */
  z?: SseRecord;
  /** A sealed part of an encrypted multipart upload: its plaintext size (`s` is the file's). */
  y?: { p: number };
  /** Version id (../versions/ids.ts); absent: the `null` version. */
  n?: string;
  /** Object lock (../lock/): retention mode (G/C) and retain-until (ms), legal hold ON. */
  o?: LockRecord;
  /** Object tags as [key, value] pairs. */
  g?: [string, string][];
  /** Access control list: owner's canonical id and [grantee, permission] pairs. */
  a?: { o: string; g: [string, string][] };
}

export interface LockRecord {
  m?: "G" | "C";
  u?: number;
  /** Legal hold: 1 ON, 0 turned OFF (S3 then reports OFF, not a missing hold). */
  h?: 0 | 1;
}

type HeaderCode = "ct" | "ce" | "cd" | "cl" | "cc" | "ex";

const headerNames: [HeaderCode, keyof ContentHeaders][] = [
  ["ct", "contentType"],
  ["ce", "contentEncoding"],
  ["cd", "contentDisposition"],
  ["cl", "contentLanguage"],
  ["cc", "cacheControl"],
  ["ex", "expires"],
];

export interface FileIdentity {
  size: number;
  mtimeNs: string;
  ino: string;
}

export function identityOf(st: BigStats): FileIdentity {
  return { size: Number(st.size), mtimeNs: st.mtimeNs.toString(), ino: st.ino.toString() };
}

export function makeRecord(
  id: FileIdentity,
  etag: string,
  attrs: Partial<ObjectAttributes>,
  extra?: {
    partsCount?: number;
    parts?: PartsLayout;
    directory?: boolean;
    lastModified?: number;
    encryption?: SseRecord;
    sealedPartSize?: number;
    versionId?: string;
    lock?: ObjectLock;
  },
): MetadataRecord {
  const rec: MetadataRecord = { v: 1, s: id.size, m: id.mtimeNs, i: id.ino, e: etag };
  const h: Partial<Record<HeaderCode, string>> = {};
  let any = false;
  for (let i = 0; i < headerNames.length; i++) {
    const pair = headerNames[i] as [HeaderCode, keyof ContentHeaders];
    const value = attrs[pair[1]];
    if (value !== undefined) {
      h[pair[0]] = value;
      any = true;
    }
  }
  if (any) rec.h = h;
  if (attrs.userMetadata && Object.keys(attrs.userMetadata).length > 0) rec.u = attrs.userMetadata;
  if (attrs.checksum) rec.k = attrs.checksum;
  setRecordTags(rec, attrs.tags);
  setRecordAcl(rec, attrs.acl);
  if (extra?.partsCount) rec.p = extra.partsCount;
  if (extra?.parts)
    rec.q = extra.parts.checksums
      ? { s: extra.parts.sizes, c: extra.parts.checksums }
      : { s: extra.parts.sizes };
  if (extra?.encryption) rec.z = extra.encryption;
  if (extra?.sealedPartSize !== undefined) rec.y = { p: extra.sealedPartSize };
  if (extra?.versionId !== undefined && extra.versionId !== "null") rec.n = extra.versionId;
  setRecordLock(rec, extra?.lock);
  if (extra?.directory) {
    rec.d = 1;
    rec.t = extra.lastModified ?? Date.now();
  }
  return rec;
}

/** The version's lock a record carries, if any. */
export function recordLock(rec: MetadataRecord | undefined): ObjectLock | undefined {
  const o = rec?.o;
  if (!o) return undefined;
  const lock: ObjectLock = {};
  if (o.m && o.u !== undefined) {
    lock.retention = { mode: o.m === "C" ? "COMPLIANCE" : "GOVERNANCE", until: new Date(o.u) };
  }
  if (o.h !== undefined) lock.legalHold = o.h === 1;
  return lock.retention || lock.legalHold !== undefined ? lock : undefined;
}

/** Sets (or, undefined, removes) the lock a record carries. */
export function setRecordLock(rec: MetadataRecord, lock: ObjectLock | undefined): void {
  const o: LockRecord = {};
  if (lock?.retention) {
    o.m = lock.retention.mode === "COMPLIANCE" ? "C" : "G";
    o.u = lock.retention.until.getTime();
  }
  if (lock?.legalHold !== undefined) o.h = lock.legalHold ? 1 : 0;
  if (o.m || o.h !== undefined) rec.o = o;
  else delete rec.o;
}

/** Sets (or, empty or undefined, removes) the tags a record carries. */
export function setRecordTags(rec: MetadataRecord, tags: ObjectTag[] | undefined): void {
  if (tags && tags.length > 0) rec.g = tags.map((t) => [t.key, t.value]);
  else delete rec.g;
}

/** Sets (or, undefined, removes) the ACL a record carries. */
export function setRecordAcl(rec: MetadataRecord, acl: StoredAcl | undefined): void {
  if (acl) rec.a = { o: acl.owner, g: acl.grants };
  else delete rec.a;
}

/** Content headers + user metadata + checksum + tags of a record, as ObjectAttributes. */
export function recordAttributes(rec: MetadataRecord | undefined): ObjectAttributes {
  const attrs: ObjectAttributes = { userMetadata: { ...(rec?.u ?? {}) } };
  if (rec?.h)
    for (const [code, name] of headerNames) if (rec.h[code] !== undefined) attrs[name] = rec.h[code];
  if (rec?.k) attrs.checksum = rec.k;
  if (rec?.g) attrs.tags = rec.g.map(([key, value]) => ({ key, value }));
  if (rec?.a) attrs.acl = { owner: rec.a.o, grants: rec.a.g };
  return attrs;
}

/** True when the record describes exactly this file version. */
export function recordMatches(rec: MetadataRecord, st: BigStats): boolean {
  if (rec.i !== st.ino.toString()) return false;
  if (rec.d) return true;
  return rec.s === Number(st.size) && rec.m === st.mtimeNs.toString();
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The compact binary form when allowed and the record fits it (compact-record.ts), else JSON.
 * Compact is allowed only on a root whose hosts all read it (runtime/root-format-file.ts): a host
 * of an earlier version would take a compact record for none and overwrite it.
 */
export function encodeRecord(rec: MetadataRecord, compactAllowed: boolean): Uint8Array {
  return (compactAllowed ? encodeCompactRecord(rec) : undefined) ?? encoder.encode(JSON.stringify(rec));
}

/**
 * Freezes a decoded record and everything in it: one decoded record is shared by every reader of
 * the same file version (store.ts), so a reader that means to change it copies it first
 * (versions/version-record.ts); a change in place throws rather than altering what others see.
 */
export function freezeRecord<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) freezeRecord(inner);
  return Object.freeze(value);
}

export function decodeRecord(bytes: Uint8Array | undefined): MetadataRecord | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  if (bytes[0] === COMPACT_RECORD_MARK) return decodeCompactRecord(bytes);
  try {
    const rec = JSON.parse(decoder.decode(bytes)) as MetadataRecord;
    if (rec && rec.v === 1 && (rec.x === 1 || (typeof rec.e === "string" && typeof rec.i === "string"))) {
      return rec;
    }
  } catch {
    // Unreadable record: treat the file as having none.
  }
  return undefined;
}
