/**
 * What a metadata record keeps about an encrypted object or upload (never anything of a
 * customer's key), what a request asks for, and the summary the S3 layer answers with.
 */
import type { SseMode } from "../../sse/data-key.ts";

/** An object's wrapped data key: what a multipart upload keeps until its parts are sealed. */
export interface SseDataKeyRecord {
  /** S3: data key wrapped by SSE master key `k`; C: wrapped by the customer's key. */
  m: SseMode;
  k?: string;
  /** Wrapped data key (base64: IV || ciphertext || tag). */
  w: string;
  /** Plaintext chunk size. */
  c: number;
}

/** What the record keeps of an encrypted object (field `z`). Nothing of a customer key. */
export interface SseRecord extends SseDataKeyRecord {
  /** Nonce prefix (base64, 8 bytes) of a single-segment object. */
  n?: string;
  /** Plaintext size. */
  p: number;
  /**
   * Multipart: the file is the parts' segments in order (sizes from the record's parts
   * layout), each an 8-byte nonce prefix followed by sealed chunks bound to its part number.
   */
  g?: 1;
  /** Multipart: the part numbers of the segments, when they are not 1…N. */
  q?: number[];
}

/** What a request asks for: SSE-S3, or SSE-C with the customer's 32-byte key. */
export interface EncryptionRequest {
  mode: SseMode;
  customerKey?: Uint8Array;
}

/** Keys a read brings along (SSE-C). */
export interface ReadKeys {
  customerKey?: Uint8Array;
}

/** How an object or upload is encrypted, as S3 reports it. */
export interface ObjectEncryption {
  kind: "SSE-S3" | "SSE-C";
}

/**
 * How a stored object, upload or part (ObjectInfo, PutObjectResult, UploadInfo, PartInfo) is
 * encrypted; undefined when its bytes are stored in plain.
 */
export function encryptionOf(stored: { encryption?: { m: SseMode } }): ObjectEncryption | undefined {
  const record = stored.encryption;
  if (!record) return undefined;
  return { kind: record.m === "C" ? "SSE-C" : "SSE-S3" };
}
