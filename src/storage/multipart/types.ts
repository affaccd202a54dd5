/** The shapes of multipart uploads as storage sees them (no HTTP). */
import type { ChecksumAlgorithm } from "../../lib/checksum-algorithm.ts";
import type { LockRequest } from "../lock/types.ts";
import type { EncryptionRequest, EncryptionSummary, ReadKeys, SseDataKeyRecord } from "../sse/records.ts";
import type {
  BodyVerification,
  FileOwner,
  ObjectAttributes,
  ObjectInfo,
  PosixIdentity,
  PutObjectResult,
  StoredChecksum,
  WriteConditions,
} from "../types.ts";

export type ChecksumType = "COMPOSITE" | "FULL_OBJECT";

/** The checksum a multipart upload was created with: parts carry it, the object gets it combined. */
export interface UploadChecksum {
  algorithm: ChecksumAlgorithm;
  type: ChecksumType;
}

export interface CreateUploadInput {
  bucket: string;
  key: string;
  /** Content headers and user metadata for the final object (no checksum). */
  attributes: ObjectAttributes;
  checksum?: UploadChecksum;
  /** Server-side encryption of the object: every part is sealed under one data key. */
  encryption?: EncryptionRequest;
  /** Object lock asked for the object (x-amz-object-lock-*), applied when it is completed. */
  lock?: LockRequest;
}

export interface UploadInfo {
  key: string;
  uploadId: string;
  initiated: Date;
  checksum?: UploadChecksum;
  attributes: ObjectAttributes;
  /** The object's wrapped data key, when the upload is encrypted. */
  encryption?: SseDataKeyRecord;
  /** Object lock asked at creation. */
  lock?: LockRequest;
}

export interface UploadPartInput {
  bucket: string;
  key: string;
  uploadId: string;
  /** 1…10000 (checked by the caller). */
  partNumber: number;
  body: ReadableStream<Uint8Array>;
  verify: BodyVerification;
  /** The customer key the part request brought (SSE-C uploads need the one they began with). */
  keys?: ReadKeys;
}

export interface UploadPartCopyInput {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
  sourceBucket: string;
  sourceKey: string;
  /** A version of the source other than the current one (`null` included). */
  sourceVersionId?: string;
  /** Inclusive byte range of the source; the whole source when absent. */
  range?: { start: number; end: number };
  /** Checked against the source, on the same open file that is copied. */
  sourceCheck?: (source: ObjectInfo) => void;
  /** The upload's customer key (SSE-C uploads). */
  keys?: ReadKeys;
  /** The source's customer key (SSE-C sources). */
  sourceKeys?: ReadKeys;
  /** Check read on the source for this identity (--posix-permissions enforce). */
  access?: PosixIdentity;
}

export interface PartInfo {
  partNumber: number;
  /** Unquoted MD5 hex of the part's bytes. */
  etag: string;
  size: number;
  lastModified: Date;
  /** The part's own checksum (in the upload's algorithm, or the one the client sent). */
  checksum?: StoredChecksum;
  /** Set when the part is sealed (an encrypted upload). */
  encryption?: EncryptionSummary;
  /** UploadPartCopy: the id of the source version copied (versioned source buckets only). */
  sourceVersionId?: string;
}

/** One <Part> of a CompleteMultipartUpload request. */
export interface CompletePart {
  partNumber: number;
  /** Unquoted. */
  etag: string;
  /** Part checksums the client listed, by algorithm (base64). */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

export interface CompleteInput {
  bucket: string;
  key: string;
  uploadId: string;
  /** In the order given; the caller checked that numbers ascend. */
  parts: CompletePart[];
  conditions?: WriteConditions;
  /** A whole-object checksum the client sent (x-amz-checksum-*), to verify. */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** x-amz-checksum-type the client sent; must match the upload's. */
  checksumType?: ChecksumType;
  /** x-amz-mp-object-size: the total size the client expects. */
  objectSize?: number;
  /** A customer key sent with the Complete (optional; checked when present). */
  keys?: ReadKeys;
  /** The id the new version gets, from reserveVersionId before the work began. */
  versionId?: string;
  /** As PutObjectInput.owner. */
  owner?: FileOwner;
  /** As PutObjectInput.access. */
  access?: PosixIdentity;
}

export interface CompleteResult extends PutObjectResult {
  partsCount: number;
}

export interface ListPartsInput {
  bucket: string;
  key: string;
  uploadId: string;
  /** 0…1000. */
  maxParts: number;
  /** Parts after this number. */
  partNumberMarker: number;
}

export interface ListPartsResult {
  upload: UploadInfo;
  parts: PartInfo[];
  isTruncated: boolean;
  nextPartNumberMarker?: number;
}

export interface ListUploadsInput {
  bucket: string;
  prefix: string;
  delimiter: string;
  keyMarker: string;
  uploadIdMarker: string;
  /** 0…1000. */
  maxUploads: number;
}

export interface ListUploadsResult {
  uploads: UploadInfo[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}
