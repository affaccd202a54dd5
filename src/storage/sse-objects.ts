/**
 * Server-side encryption of object bytes: what the metadata record keeps about an encrypted
 * object (SseRecord), preparing the sealer of a new object, recovering its data key on read
 * and decrypting a plaintext range by reading only the chunks that cover it.
 *
 * The crypto itself is Web-standard (src/sse/); this module adds keys and files.
 */
import { readSync } from "node:fs";
import { readRange } from "../runtime/file-stream.ts";
import {
  CHUNK_SIZE,
  ChunkSealer,
  chunkCount,
  chunkOffset,
  newNoncePrefix,
  openChunkList,
  SealError,
  sealedSize,
} from "../sse/chunks.ts";
import {
  aesKey,
  fromBase64,
  newDataKey,
  type SseMode,
  toBase64,
  unwrapDataKey,
  wrapDataKey,
} from "../sse/data-key.ts";
import { StorageError } from "./errors.ts";
import type { SseKeyring } from "./sse-keyring.ts";

/** What the record keeps of an encrypted object (field `z`). Nothing of a customer key. */
export interface SseRecord {
  /** S3: data key wrapped by master key `k`; C: wrapped by the customer's key. */
  m: SseMode;
  k?: string;
  /** Wrapped data key (base64: IV || ciphertext || tag). */
  w: string;
  /** Nonce prefix (base64, 8 bytes); for multipart, one per part in `g`. */
  n: string;
  /** Plaintext size. */
  p: number;
  /** Plaintext chunk size. */
  c: number;
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

export interface PreparedSealing {
  sealer: ChunkSealer;
  dataKey: Uint8Array;
  /** The record, less the plaintext size (known at the end). */
  record: Omit<SseRecord, "p">;
}

export async function prepareSealing(keyring: SseKeyring, req: EncryptionRequest): Promise<PreparedSealing> {
  const dataKey = newDataKey();
  const prefix = newNoncePrefix();
  let wrapped: Uint8Array;
  let k: string | undefined;
  if (req.mode === "C") {
    if (!req.customerKey) throw new StorageError("InvalidRequest", "missing customer key");
    wrapped = await wrapDataKey(req.customerKey, "C", dataKey);
  } else {
    const { current } = await keyring.keys();
    wrapped = await wrapDataKey(current.key, "S3", dataKey);
    k = current.id;
  }
  const record: Omit<SseRecord, "p"> = {
    m: req.mode,
    w: toBase64(wrapped),
    n: toBase64(prefix),
    c: CHUNK_SIZE,
  };
  if (k) record.k = k;
  return { sealer: new ChunkSealer(await aesKey(dataKey), prefix), dataKey, record };
}

const SSE_C_REQUIRED =
  "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.";

/** Checks that a read brings what the object needs (throws the S3 conditions as StorageErrors). */
export function checkReadKeys(z: SseRecord | undefined, keys: ReadKeys | undefined): void {
  if (z?.m === "C" && !keys?.customerKey) throw new StorageError("InvalidRequest", SSE_C_REQUIRED);
  if (z?.m !== "C" && keys?.customerKey)
    throw new StorageError("InvalidRequest", "The encryption parameters are not applicable to this object.");
}

/** The object's raw data key: SseKeyMismatch for a wrong customer key, SseUnreadable otherwise. */
export async function recoverDataKey(
  keyring: SseKeyring,
  z: SseRecord,
  keys: ReadKeys | undefined,
): Promise<Uint8Array> {
  checkReadKeys(z, keys);
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
  if (!master) throw new StorageError("SseUnreadable", `master key ${z.k} is not in the key ring`);
  try {
    return await unwrapDataKey(master.key, "S3", wrapped);
  } catch (e) {
    if (e instanceof SealError) throw new StorageError("SseUnreadable", "the data key does not unwrap");
    throw e;
  }
}

/** A decrypting view of one encrypted file (single segment). */
export class SealedFile {
  private constructor(
    private readonly fd: number,
    private readonly key: CryptoKey,
    private readonly prefix: Uint8Array,
    readonly plainSize: number,
    private readonly sync: boolean,
  ) {}

  static async open(fd: number, z: SseRecord, dataKey: Uint8Array, fileSize: number, sync: boolean) {
    if (z.c !== CHUNK_SIZE) throw new StorageError("SseUnreadable", `unsupported chunk size ${z.c}`);
    if (sealedSize(z.p) !== fileSize)
      throw new StorageError("SseUnreadable", "encrypted file has the wrong size");
    return new SealedFile(fd, await aesKey(dataKey), fromBase64(z.n), z.p, sync);
  }

  /** Plaintext [start, end] inclusive (end clamped); SseUnreadable when any chunk fails. */
  /** Plaintext [start, end] inclusive (end clamped) as pieces of at most one chunk each. */
  async readPieces(start: number, endInclusive: number): Promise<Uint8Array<ArrayBuffer>[]> {
    const end = Math.min(endInclusive, this.plainSize - 1);
    if (end < start) return [];
    const first = Math.floor(start / CHUNK_SIZE);
    const last = Math.floor(end / CHUNK_SIZE);
    const from = chunkOffset(first);
    const to = Math.min(chunkOffset(last + 1), sealedSize(this.plainSize));
    const pooled = this.sync ? this.takeBuffer(to - from) : undefined;
    const sealed = pooled
      ? readSyncInto(this.fd, pooled, from)
      : await readRange(this.fd, from, to - from, false);
    let pieces: Uint8Array<ArrayBuffer>[];
    try {
      pieces = await openChunkList(this.key, this.prefix, this.plainSize, first, sealed);
    } catch (e) {
      if (e instanceof SealError) throw new StorageError("SseUnreadable", e.message);
      throw e;
    } finally {
      if (pooled && this.pool.length < POOL_MAX) this.pool.push(pooled.buffer as ArrayBuffer);
    }
    const skip = start - first * CHUNK_SIZE;
    const lastIndex = pieces.length - 1;
    pieces[lastIndex] = pieces[lastIndex]!.subarray(0, end - last * CHUNK_SIZE + 1);
    pieces[0] = pieces[0]!.subarray(skip);
    return pieces;
  }

  /** Plaintext [start, end] inclusive (end clamped) in one array. */
  async read(start: number, endInclusive: number): Promise<Uint8Array<ArrayBuffer>> {
    const pieces = await this.readPieces(start, endInclusive);
    if (pieces.length === 1) return pieces[0]!;
    const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of pieces) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /**
   * Read buffers are reused (sync I/O only): reading into fresh memory costs page faults that
   * measured several times the cost of the read itself.
   */
  private readonly pool: ArrayBuffer[] = [];

  private takeBuffer(length: number): Uint8Array {
    const free = this.pool.pop();
    return free && free.byteLength >= length ? new Uint8Array(free, 0, length) : new Uint8Array(length);
  }

  /** Number of chunks of the object. */
  get chunks(): number {
    return chunkCount(this.plainSize);
  }
}

const POOL_MAX = 4;

/** Fills buf from position (shorter only at end of file). */
function readSyncInto(fd: number, buf: Uint8Array, position: number): Uint8Array {
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === buf.length ? buf : buf.subarray(0, done);
}
