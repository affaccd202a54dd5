/** The shapes of multipart uploads as storage sees them (no HTTP). */
import type { ChecksumAlgorithm } from "../lib/checksum-algorithm.ts";
import type {
  BodyVerification,
  ObjectAttributes,
  ObjectInfo,
  PutObjectResult,
  StoredChecksum,
  WriteConditions,
} from "./types.ts";

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
}

export interface UploadInfo {
  key: string;
  uploadId: string;
  initiated: Date;
  checksum?: UploadChecksum;
  attributes: ObjectAttributes;
}

export interface UploadPartInput {
  bucket: string;
  key: string;
  uploadId: string;
  /** 1…10000 (checked by the caller). */
  partNumber: number;
  body: ReadableStream<Uint8Array>;
  verify: BodyVerification;
}

export interface UploadPartCopyInput {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
  sourceBucket: string;
  sourceKey: string;
  /** Inclusive byte range of the source; the whole source when absent. */
  range?: { start: number; end: number };
  /** Checked against the source, on the same open file that is copied. */
  sourceCheck?: (source: ObjectInfo) => void;
}

export interface PartInfo {
  partNumber: number;
  /** Unquoted MD5 hex of the part's bytes. */
  etag: string;
  size: number;
  lastModified: Date;
  /** The part's own checksum (in the upload's algorithm, or the one the client sent). */
  checksum?: StoredChecksum;
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
