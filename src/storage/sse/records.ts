/**
 * What a metadata record keeps about an encrypted object or upload (never anything of a
 * customer's key), what a request asks for, and the summary the S3 layer answers with.
 */
import type { SseMode } from "../../sse/data-key.ts";

/** An object's wrapped data key: what a multipart upload keeps until its parts are sealed. */
export interface SseDataKeyRecord {
  /**
   * S3: data key wrapped by SSE master key `k`; C: wrapped by the customer's key; KMS: wrapped
   * by version `V` of the KMS key `K`, bound to the encryption context `x`.
   */
  m: SseMode;
  k?: string;
  /** KMS: the key's ARN. */
  K?: string;
  /** KMS: the key material version that wrapped the data key. */
  V?: number;
  /** KMS: the encryption context the client gave (JSON), if any. */
  x?: string;
  /** KMS: the client asked for an S3 Bucket Key. */
  b?: 1;
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

/** What a request asks for: SSE-S3, SSE-C with the customer's 32-byte key, or SSE-KMS. */
export interface EncryptionRequest {
  mode: SseMode;
  customerKey?: Uint8Array;
  kms?: KmsRequest;
}

/** An SSE-KMS write: which key (absent: the default key `aws/s3`), context, bucket key. */
export interface KmsRequest {
  /** A key id, key ARN, alias name (`alias/NAME`) or alias ARN, as the client sent it. */
  keyId?: string;
  /** The encryption context (JSON of a string map), if the client gave one. */
  context?: string;
  bucketKey?: boolean;
  /** Where the default key is made on first use: its ARN's region and account. */
  home: KmsHome;
}

export interface KmsHome {
  region: string;
  account: string;
}

/** Keys a read brings along (SSE-C). */
export interface ReadKeys {
  customerKey?: Uint8Array;
}

/** How an object or upload is encrypted, as S3 reports it. */
export interface ObjectEncryption {
  kind: "SSE-S3" | "SSE-C" | "SSE-KMS";
  /** SSE-KMS: the key's ARN. */
  kmsKeyArn?: string;
  /** SSE-KMS: the encryption context (JSON), if the writer gave one. */
  context?: string;
  bucketKey?: boolean;
}

/** What a part keeps of its upload's encryption: enough for UploadPart's response headers. */
export type EncryptionSummary = Pick<SseDataKeyRecord, "m" | "K" | "b">;

export function summaryOf(record: SseDataKeyRecord): EncryptionSummary {
  const out: EncryptionSummary = { m: record.m };
  if (record.K) out.K = record.K;
  if (record.b) out.b = 1;
  return out;
}

/**
 * How a stored object, upload or part (ObjectInfo, PutObjectResult, UploadInfo, PartInfo) is
 * encrypted; undefined when its bytes are stored in plain.
 */
export function encryptionOf(stored: {
  encryption?: EncryptionSummary & { x?: string };
}): ObjectEncryption | undefined {
  const record = stored.encryption;
  if (!record) return undefined;
  if (record.m === "KMS") {
    const out: ObjectEncryption = { kind: "SSE-KMS" };
    if (record.K) out.kmsKeyArn = record.K;
    if (record.x) out.context = record.x;
    if (record.b) out.bucketKey = true;
    return out;
  }
  return { kind: record.m === "C" ? "SSE-C" : "SSE-S3" };
}
