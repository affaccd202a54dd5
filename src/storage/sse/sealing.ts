/**
 * Server-side encryption of object bytes: what the metadata record keeps about an encrypted
 * object (SseRecord), preparing the sealer of a new object, recovering its data key on read
 * and decrypting a plaintext range by reading only the chunks that cover it.
 *
 * The crypto itself is Web-standard (src/sse/); this module adds keys and files.
 */
import { readSync } from "node:fs";
import { readRange } from "../../runtime/file-stream.ts";
import { nodeChunkOpen, nodeChunkSeal } from "../../runtime/node-chunk-cipher.ts";
import {
  CHUNK_SIZE,
  ChunkSealer,
  chunkCount,
  chunkOffset,
  newNoncePrefix,
  openChunksSync,
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
import type { PartsLayout } from "../types.ts";
import type { SseKeyring } from "./keyring.ts";

/** An object's wrapped data key: what a multipart upload keeps until its parts are sealed. */
export interface SseDataKeyRecord {
  /** S3: data key wrapped by master key `k`; C: wrapped by the customer's key. */
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

export interface PreparedSealing {
  sealer: ChunkSealer;
  dataKey: Uint8Array;
  /** The record, less the plaintext size (known at the end). */
  record: Omit<SseRecord, "p">;
}

/** A fresh data key, wrapped as the request asks (the customer's key, or the current master key). */
export async function newWrappedDataKey(
  keyring: SseKeyring,
  req: EncryptionRequest,
): Promise<{ dataKey: Uint8Array; record: SseDataKeyRecord }> {
  const dataKey = newDataKey();
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
  const record: SseDataKeyRecord = { m: req.mode, w: toBase64(wrapped), c: CHUNK_SIZE };
  if (k) record.k = k;
  return { dataKey, record };
}

export async function prepareSealing(keyring: SseKeyring, req: EncryptionRequest): Promise<PreparedSealing> {
  const { dataKey, record } = await newWrappedDataKey(keyring, req);
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
 * SSE-S3 data keys already unwrapped, by master key id and wrapped key (an unwrap costs two
 * WebCrypto calls per GET, about 60 µs). Holding them adds nothing an attacker reading this
 * process's memory lacks: the master keys are here too. SSE-C keys are never kept.
 */
const unwrappedS3Keys = new Map<string, Uint8Array>();
const UNWRAPPED_MAX = 4096;

/** The object's raw data key: SseKeyMismatch for a wrong customer key, SseUnreadable otherwise. */
export async function recoverDataKey(
  keyring: SseKeyring,
  z: SseDataKeyRecord,
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
  keyring: SseKeyring | undefined,
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
  if (!keyring) throw new StorageError("SseUnreadable", "no key ring configured");
  try {
    return await recoverDataKey(keyring, e, keys);
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

/** A run of sealed chunks: the whole object, or one part of a multipart object. */
interface Segment {
  /** File offset of the segment's first chunk. */
  at: number;
  plainStart: number;
  plainSize: number;
  /** Bound into each chunk of a multipart part. */
  part?: number;
  /** Nonce prefix: from the record, or read from the 8 bytes before `at` on first use. */
  prefix?: Uint8Array;
}

/** A decrypting view of one encrypted file. */
export class SealedFile {
  private constructor(
    private readonly fd: number,
    private readonly rawKey: Uint8Array,
    private readonly segments: Segment[],
    readonly plainSize: number,
    private readonly sync: boolean,
  ) {}

  /** `parts`: the object's parts layout (multipart objects). */
  static async open(
    fd: number,
    z: SseRecord,
    dataKey: Uint8Array,
    fileSize: number,
    sync: boolean,
    parts?: PartsLayout,
  ) {
    if (z.c !== CHUNK_SIZE) throw new StorageError("SseUnreadable", `unsupported chunk size ${z.c}`);
    const segments = z.g ? partSegments(z, parts) : [singleSegment(z)];
    const last = segments.at(-1);
    const expected = last ? last.at + sealedSize(last.plainSize) : 0;
    const plain = last ? last.plainStart + last.plainSize : 0;
    if (plain !== z.p) throw new StorageError("SseUnreadable", "encrypted parts do not add up to the object");
    if (expected !== fileSize) throw new StorageError("SseUnreadable", "encrypted file has the wrong size");
    return new SealedFile(fd, dataKey, segments, z.p, sync);
  }

  /** Plaintext [start, end] inclusive (end clamped) as pieces of at most one chunk each. */
  async readPieces(start: number, endInclusive: number): Promise<Uint8Array<ArrayBuffer>[]> {
    const end = Math.min(endInclusive, this.plainSize - 1);
    if (end < start) return [];
    const segments = this.segments;
    if (segments.length === 1) return this.readSegment(segments[0]!, start, end);
    const out: Uint8Array<ArrayBuffer>[] = [];
    for (let i = segmentAt(segments, start); i < segments.length; i++) {
      const s = segments[i]!;
      if (s.plainStart > end) break;
      const from = Math.max(start, s.plainStart) - s.plainStart;
      const to = Math.min(end, s.plainStart + s.plainSize - 1) - s.plainStart;
      if (to >= from) out.push(...(await this.readSegment(s, from, to)));
    }
    return out;
  }

  /** Plaintext [start, end] (inclusive, within the segment) of one segment. */
  private async readSegment(s: Segment, start: number, end: number): Promise<Uint8Array<ArrayBuffer>[]> {
    const first = Math.floor(start / CHUNK_SIZE);
    const last = Math.floor(end / CHUNK_SIZE);
    const from = s.at + chunkOffset(first);
    const to = s.at + Math.min(chunkOffset(last + 1), sealedSize(s.plainSize));
    const prefix = s.prefix ?? (await this.readPrefix(s));
    // With synchronous I/O, reading and opening run without a pause, so one scratch buffer
    // serves every read of the process.
    const sealed = this.sync
      ? readSyncInto(this.fd, scratch(to - from), from)
      : await readRange(this.fd, from, to - from, false);
    let pieces: Uint8Array<ArrayBuffer>[];
    try {
      pieces = openChunksSync(nodeChunkOpen, this.rawKey, prefix, s.plainSize, first, sealed, s.part);
    } catch (e) {
      if (e instanceof SealError) throw new StorageError("SseUnreadable", e.message);
      throw e;
    }
    const lastIndex = pieces.length - 1;
    pieces[lastIndex] = pieces[lastIndex]!.subarray(0, end - last * CHUNK_SIZE + 1);
    pieces[0] = pieces[0]!.subarray(start - first * CHUNK_SIZE);
    return pieces;
  }

  private async readPrefix(s: Segment): Promise<Uint8Array> {
    const bytes = this.sync
      ? readSyncInto(this.fd, new Uint8Array(PREFIX_SIZE), s.at - PREFIX_SIZE)
      : await readRange(this.fd, s.at - PREFIX_SIZE, PREFIX_SIZE, false);
    if (bytes.length !== PREFIX_SIZE) throw new StorageError("SseUnreadable", "encrypted part truncated");
    s.prefix = bytes;
    return bytes;
  }

  /** Number of chunks of the object. */
  get chunks(): number {
    return this.segments.reduce((n, s) => n + chunkCount(s.plainSize), 0);
  }
}

function singleSegment(z: SseRecord): Segment {
  if (z.n === undefined) throw new StorageError("SseUnreadable", "encrypted object without a nonce prefix");
  return { at: 0, plainStart: 0, plainSize: z.p, prefix: fromBase64(z.n) };
}

/** The segments of a multipart object, from its parts layout (sizes run-length encoded). */
function partSegments(z: SseRecord, parts: PartsLayout | undefined): Segment[] {
  if (!parts) throw new StorageError("SseUnreadable", "encrypted multipart object without its parts");
  const segments: Segment[] = [];
  let at = 0;
  let plainStart = 0;
  for (const [size, count] of parts.sizes) {
    for (let j = 0; j < count; j++) {
      const i = segments.length;
      const part = z.q ? z.q[i] : i + 1;
      if (part === undefined)
        throw new StorageError("SseUnreadable", "encrypted parts do not match the layout");
      segments.push({ at: at + PREFIX_SIZE, plainStart, plainSize: size, part });
      at += sealedPartSize(size);
      plainStart += size;
    }
  }
  if (z.q && z.q.length !== segments.length)
    throw new StorageError("SseUnreadable", "encrypted parts do not match the layout");
  return segments;
}

/** Index of the segment holding plaintext offset `pos` (binary search). */
function segmentAt(segments: Segment[], pos: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid]!.plainStart <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The sealed bytes of a synchronous read. Reused: reading into fresh memory costs page faults
 * that measured several times the cost of the read itself. Kept up to SCRATCH_MAX bytes.
 */
let scratchBuffer: ArrayBuffer | undefined;
const SCRATCH_MAX = 16 << 20;

function scratch(length: number): Uint8Array {
  if (scratchBuffer && scratchBuffer.byteLength >= length) return new Uint8Array(scratchBuffer, 0, length);
  const fresh = new ArrayBuffer(length);
  if (length <= SCRATCH_MAX) scratchBuffer = fresh;
  return new Uint8Array(fresh);
}

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
