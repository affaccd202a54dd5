/**
 * Sealing object bytes: a fresh data key wrapped for a new object or upload (the customer's
 * key, or the current SSE master key), the sealers that encrypt as the body streams, and the
 * data key recovered for a read.
 *
 * The crypto itself is Web-standard (src/sse/); this module adds keys and files.
 */
import { nodeChunkSeal } from "../../runtime/node-chunk-cipher.ts";
import {
  CHUNK_SIZE,
  ChunkSealer,
  newNoncePrefix,
  PREFIX_SIZE,
  SealError,
  sealedSize,
} from "../../sse/chunks.ts";
import {
  aesKey,
  fromBase64,
  newDataKey,
  type SseMode,
  toBase64,
  unwrapDataKey,
  wrapDataKey,
} from "../../sse/data-key.ts";
import { StorageError } from "../errors.ts";
import type { SseKeyring } from "./keyring.ts";
import type { KmsKeyring } from "./kms-keyring.ts";
import type { EncryptionRequest, ReadKeys, SseDataKeyRecord, SseRecord } from "./records.ts";

export interface PreparedSealing {
  sealer: ChunkSealer;
  dataKey: Uint8Array;
  /** The record, less the plaintext size (known at the end). */
  record: Omit<SseRecord, "p">;
}

/** The key rings a seal or unseal may need (the store context has both). */
export interface KeyRings {
  sse?: SseKeyring;
  kms?: KmsKeyring;
}

function sseRing(rings: KeyRings): SseKeyring {
  if (!rings.sse) throw new StorageError("SseUnreadable", "no key ring configured");
  return rings.sse;
}

function kmsRing(rings: KeyRings): KmsKeyring {
  if (!rings.kms) throw new StorageError("SseUnreadable", "no KMS key ring configured");
  return rings.kms;
}

/**
 * A fresh data key, wrapped as the request asks (the customer's key, the current SSE master key,
 * or the KMS key it names).
 */
export async function newWrappedDataKey(
  rings: KeyRings,
  req: EncryptionRequest,
): Promise<{ dataKey: Uint8Array; record: SseDataKeyRecord }> {
  if (req.mode === "KMS") {
    if (!req.kms) throw new StorageError("InvalidRequest", "missing KMS request");
    const { dataKey, record } = await kmsRing(rings).newDataKey(req.kms);
    return { dataKey, record: { ...record, c: CHUNK_SIZE } };
  }
  const dataKey = newDataKey();
  let wrapped: Uint8Array;
  let k: string | undefined;
  if (req.mode === "C") {
    if (!req.customerKey) throw new StorageError("InvalidRequest", "missing customer key");
    wrapped = await wrapDataKey(req.customerKey, "C", dataKey);
  } else {
    const { current } = await sseRing(rings).keys();
    wrapped = await wrapDataKey(current.key, "S3", dataKey);
    k = current.id;
  }
  const record: SseDataKeyRecord = { m: req.mode, w: toBase64(wrapped), c: CHUNK_SIZE };
  if (k) record.k = k;
  return { dataKey, record };
}

export async function prepareSealing(rings: KeyRings, req: EncryptionRequest): Promise<PreparedSealing> {
  const { dataKey, record } = await newWrappedDataKey(rings, req);
  const prefix = newNoncePrefix();
  return {
    sealer: await hostSealer(dataKey, prefix),
    dataKey,
    record: { ...record, n: toBase64(prefix) },
  };
}

/** The sealer of one multipart part, and the nonce prefix that heads its file. */
export async function preparePartSealing(
  dataKey: Uint8Array,
  partNumber: number,
): Promise<{ sealer: ChunkSealer; header: Uint8Array }> {
  const prefix = newNoncePrefix();
  return { sealer: await hostSealer(dataKey, prefix, partNumber), header: prefix };
}

/** A sealer that runs on the host's native AES-GCM. */
async function hostSealer(dataKey: Uint8Array, prefix: Uint8Array, part?: number): Promise<ChunkSealer> {
  return new ChunkSealer(await aesKey(dataKey), prefix, part, { seal: nodeChunkSeal, rawKey: dataKey });
}

/** Bytes on disk of a part (or segment) of `plainSize` bytes: its nonce prefix, then its chunks. */
export function sealedPartSize(plainSize: number): number {
  return PREFIX_SIZE + sealedSize(plainSize);
}

const SSE_C_REQUIRED =
  "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.";

/** Checks that a read brings what the object needs (throws the S3 conditions as StorageErrors). */
export function checkReadKeys(z: { m: SseMode } | undefined, keys: ReadKeys | undefined): void {
  if (z?.m === "C" && !keys?.customerKey) throw new StorageError("InvalidRequest", SSE_C_REQUIRED);
  if (z?.m !== "C" && keys?.customerKey)
    throw new StorageError("InvalidRequest", "The encryption parameters are not applicable to this object.");
}

/**
 * SSE-S3 data keys already unwrapped, by SSE master key id and wrapped key (an unwrap costs two
 * WebCrypto calls per GET, about 60 µs). Holding them adds nothing an attacker reading this
 * process's memory lacks: the SSE master keys are here too. SSE-C keys are never kept.
 */
const unwrappedS3Keys = new Map<string, Uint8Array>();
const UNWRAPPED_MAX = 4096;

/** The object's raw data key: SseKeyMismatch for a wrong customer key, SseUnreadable otherwise. */
export async function recoverDataKey(
  rings: KeyRings,
  z: SseDataKeyRecord,
  keys: ReadKeys | undefined,
): Promise<Uint8Array> {
  checkReadKeys(z, keys);
  if (z.m === "KMS") return kmsRing(rings).recoverDataKey(z);
  const keyring = sseRing(rings);
  const wrapped = fromBase64(z.w);
  if (z.m === "C") {
    try {
      return await unwrapDataKey(keys!.customerKey!, "C", wrapped);
    } catch (e) {
      if (e instanceof SealError) throw new StorageError("SseKeyMismatch");
      throw e;
    }
  }
  const master = z.k ? await keyring.key(z.k) : undefined;
  if (!master) throw new StorageError("SseUnreadable", `SSE master key ${z.k} is not in the key ring`);
  const id = `${master.id}/${z.w}`;
  const hit = unwrappedS3Keys.get(id);
  if (hit) return hit;
  try {
    const dataKey = await unwrapDataKey(master.key, "S3", wrapped);
    if (unwrappedS3Keys.size >= UNWRAPPED_MAX) unwrappedS3Keys.delete(unwrappedS3Keys.keys().next().value!);
    unwrappedS3Keys.set(id, dataKey);
    return dataKey;
  } catch (e) {
    if (e instanceof SealError) throw new StorageError("SseUnreadable", "the data key does not unwrap");
    throw e;
  }
}

const INITIATE_REQUESTED =
  "The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.";

/**
 * The data key of a multipart upload (undefined for a plain one), for a request that brings
 * `keys`: a customer key only for an SSE-C upload, and the one it began with (S3's
 * InvalidRequest otherwise). `keyRequired`: an SSE-C upload's part must bring it; a Complete may.
 */
export async function recoverUploadKey(
  rings: KeyRings,
  e: SseDataKeyRecord | undefined,
  keys: ReadKeys | undefined,
  keyRequired: boolean,
): Promise<Uint8Array | undefined> {
  if (e?.m === "C" && !keys?.customerKey) {
    if (keyRequired) throw new StorageError("InvalidRequest", INITIATE_REQUESTED);
    return undefined;
  }
  if (e?.m !== "C" && keys?.customerKey) {
    throw new StorageError("InvalidRequest", "The encryption parameters are not applicable to this upload.");
  }
  if (!e) return undefined;
  try {
    return await recoverDataKey(rings, e, keys);
  } catch (err) {
    if (err instanceof StorageError && err.code === "SseKeyMismatch") {
      throw new StorageError(
        "InvalidRequest",
        "The provided encryption parameters did not match the ones used originally.",
      );
    }
    throw err;
  }
}
