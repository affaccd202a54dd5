import type { ChecksumAlgorithm } from "../lib/checksum-algorithm.ts";
import type { LockRequest, ObjectLock } from "./lock/types.ts";
import type { PosixIdentity } from "./permissions/permits.ts";
import type { EncryptionRequest, ReadKeys, SseRecord } from "./sse/records.ts";

/** Content headers S3 stores with an object and serves back. */
export interface ContentHeaders {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  expires?: string;
}

/** A stored full-object checksum (base64 value as S3 sends it). */
export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  value: string;
  type: "FULL_OBJECT" | "COMPOSITE";
}

/** What a client set on the object, kept in its metadata record. */
export interface ObjectAttributes extends ContentHeaders {
  /** x-amz-meta-* names lower-cased without the prefix. */
  userMetadata: Record<string, string>;
  checksum?: StoredChecksum;
  /** Object tags (x-amz-tagging, PutObjectTagging) in the order they were given. */
  tags?: ObjectTag[];
  /** The object's access control list (PutObjectAcl, x-amz-acl, x-amz-grant-*); none: owner only. */
  acl?: StoredAcl;
}

/**
 * An access control list as storage keeps it: the owner's canonical id and [grantee, permission]
 * pairs, whose meaning is the S3 layer's (src/s3/acl/).
 */
export interface StoredAcl {
  owner: string;
  grants: [string, string][];
}

export interface ObjectTag {
  key: string;
  value: string;
}

/** An object's full description as returned by head/get. */
export interface ObjectInfo extends ObjectAttributes {
  key: string;
  size: number;
  /** Unquoted ETag, e.g. "d41d8cd98f00b204e9800998ecf8427e" or "…-3". */
  etag: string;
  lastModified: Date;
  /** Multipart part count when the object came from a multipart upload. */
  partsCount?: number;
  /** Part sizes (and part checksums) of an object completed from a multipart upload. */
  parts?: PartsLayout;
  /** Server-side encryption of the stored bytes (size above is the plaintext size). */
  encryption?: SseRecord;
  /** The version's id, set when the bucket is versioned (Enabled or Suspended). */
  versionId?: string;
  /** The version's retention and legal hold (object lock), when it has either. */
  lock?: ObjectLock;
}

/** Where the parts of a completed multipart object lie, for partNumber reads and GetObjectAttributes. */
export interface PartsLayout {
  /** Part sizes in order, run-length encoded: [size, how many parts in a row have it]. */
  sizes: [number, number][];
  /** Each part's checksum (base64) in the object's checksum algorithm, when it has one. */
  checksums?: string[];
}

/** Preconditions for a write, evaluated atomically against the current object. */
export interface WriteConditions {
  /** If-None-Match: * — fail if the key exists. */
  ifNoneMatch?: "*";
  /** If-Match — fail unless the current ETag equals this (unquoted; "*" = any existing object). */
  ifMatch?: string;
}

/** Integrity checks applied while the body streams to disk; any mismatch aborts the write. */
export interface BodyVerification {
  /** Content-MD5 header, base64. */
  md5Base64?: string;
  /** x-amz-content-sha256 hex value when the payload is signed. */
  sha256Hex?: string;
  /** x-amz-checksum-* value (base64) to verify, or just an algorithm to compute and store. */
  checksum?: { algorithm: ChecksumAlgorithm; expected?: string };
  /** Exact number of bytes expected (Content-Length or x-amz-decoded-content-length). */
  expectedSize?: number;
  /**
   * Resolved after the body has been fully read, before publishing; lets a caller supply
   * values only known at the end of the stream (trailer checksums). May throw to abort.
   */
  beforePublish?: () => Promise<{ checksumExpected?: string } | undefined> | undefined;
}

export type { PosixIdentity };

/** Who owns the files and directories a write creates (the writer's POSIX mapping). */
export interface FileOwner {
  uid: number;
  gid: number;
}

/**
 * A request body of known, small size, read whole in one call: no stream and no promise per
 * chunk. `read` resolves with exactly what arrived (the writer checks it against the size).
 */
export interface WholeBody {
  readonly size: number;
  read(): Promise<Uint8Array>;
  cancel(): Promise<void>;
}

/** What a write reads its bytes from. */
export type UploadSource = ReadableStream<Uint8Array> | WholeBody;

export function isWholeBody(body: UploadSource): body is WholeBody {
  return !(body instanceof ReadableStream);
}

/**
 * Where a plain key is written when the tree refuses its own path at publish time (a file or
 * symlink in the way of a parent, objects below the key): set when that path was not checked
 * ahead (../objects/key-places.ts).
 */
export interface KeyFallback {
  /** The key's disk key in the alternate area; calling it means the write goes there. */
  diskKey(): string;
}

export interface PutObjectInput {
  bucket: string;
  key: string;
  /** Set when key's place was not checked ahead: where to go if the tree refuses it. */
  fallback?: KeyFallback;
  body: UploadSource;
  attributes: ObjectAttributes;
  verify: BodyVerification;
  conditions?: WriteConditions;
  /** Seal the stored bytes (SSE-S3 or SSE-C). */
  encryption?: EncryptionRequest;
  /** Object lock asked for the new version (x-amz-object-lock-*); the bucket's default applies otherwise. */
  lock?: LockRequest;
  /** Owner of the new file and of the directories made for it; absent: the server's user. */
  owner?: FileOwner;
  /** Check the files' and directories' permissions for this identity (--posix-permissions enforce). */
  access?: PosixIdentity;
}

export interface PutObjectResult {
  etag: string;
  size: number;
  lastModified: Date;
  checksum?: StoredChecksum;
  /** Set when the stored bytes are sealed. */
  encryption?: SseRecord;
  /** The new version's id, set when the bucket is versioned (`null` while suspended). */
  versionId?: string;
  /** CopyObject: the id of the version copied, when the source bucket is versioned. */
  sourceVersionId?: string;
  /** CopyObject: the tags the copy carries (the source's, or the request's with REPLACE). */
  tags?: ObjectTag[];
  /** The new version's lock (asked for, or the bucket's default retention). */
  lock?: ObjectLock;
}

/** An opened object: metadata and bytes of the same inode, whatever happens to the path. */
export interface OpenedObject {
  info: ObjectInfo;
  /** Streams bytes [start, end] inclusive; closes the file when done or cancelled. */
  stream(start: number, endInclusive: number): ReadableStream<Uint8Array> | Blob;
  /**
   * Where present (encrypted objects), the body to send for [start, end], with the work that
   * can fail (key, first chunks) done before it resolves; use it instead of stream().
   */
  prepare?(start: number, endInclusive: number): Promise<ReadableStream<Uint8Array> | Blob>;
  /** Releases the file without reading (e.g. after a 304 or 412). */
  close(): void;
}

export interface CopyObjectInput {
  sourceBucket: string;
  sourceKey: string;
  /** Copy this version of the source (CopySource `?versionId=`). */
  sourceVersionId?: string;
  bucket: string;
  key: string;
  /** When set, replaces the source's attributes (metadata directive REPLACE). */
  attributes?: ObjectAttributes;
  /** When set, replaces the source's tags (tagging directive REPLACE; empty: no tags). */
  tags?: ObjectTag[];
  /** The copy's ACL: a copy never takes its source's (none: owner only). */
  acl?: StoredAcl;
  /** Checked against the source, on the same open file that is copied. */
  sourceCheck?: (source: ObjectInfo) => void;
  conditions?: WriteConditions;
  /** The source's SSE-C key, when it has one. */
  sourceKeys?: ReadKeys;
  /** Seal the copy (SSE-S3 or SSE-C); without it the copy is stored in plain. */
  encryption?: EncryptionRequest;
  /** Object lock asked for the copy (a copy never takes the source's lock). */
  lock?: LockRequest;
  /** As PutObjectInput.owner. */
  owner?: FileOwner;
  /** As PutObjectInput.access: read on the source, write on the destination. */
  access?: PosixIdentity;
}

export interface CreateBucketOptions {
  /** x-amz-bucket-object-lock-enabled: true (versioning is Enabled with it). */
  objectLock?: boolean;
}

export interface BucketInfo {
  name: string;
  created: Date;
}

export interface ListInput {
  bucket: string;
  prefix: string;
  delimiter: string;
  /** Return keys (and common prefixes) strictly greater than this. */
  after: string;
  maxKeys: number;
  /** Leave out the directories this identity may not read and search (--posix-permissions enforce). */
  access?: PosixIdentity;
}

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface ListResult {
  objects: ListedObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned; the cursor for the next page. */
  lastReturned?: string;
}
