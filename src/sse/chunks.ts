/**
 * Sealed chunk layout of an encrypted object (or of one multipart part: a "segment").
 *
 * The plaintext is cut into CHUNK_SIZE pieces; each is sealed with AES-256-GCM under the
 * object's data key and stored as ciphertext followed by its 16-byte tag, so chunk i of a
 * segment starts at i × (CHUNK_SIZE + TAG_SIZE). The 12-byte nonce is the segment's 8-byte
 * random prefix followed by the chunk index (big-endian); the additional data binds the
 * index and whether the chunk is the segment's last one, so reordering, truncation and
 * appending all fail the tag. An empty segment still holds one (empty, last) chunk.
 *
 * A segment that is one part of a multipart object also binds its part number into the
 * additional data, so two parts cannot be swapped on disk, even with their nonce prefixes.
 *
 * Web-standard only (crypto.subtle): shared with the rest of the Web-standard modules. Hosts
 * may pass the runtime's native AES-GCM (SyncChunkSeal, SyncChunkOpen) for the same format.
 */

export const CHUNK_SIZE = 64 * 1024;
export const TAG_SIZE = 16;
export const PREFIX_SIZE = 8;
const SEALED_CHUNK = CHUNK_SIZE + TAG_SIZE;

/** Thrown when a chunk does not open: altered, truncated, reordered or under another key. */
export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SealError";
  }
}

/** Number of chunks that hold `plainSize` bytes (at least one). */
export function chunkCount(plainSize: number): number {
  return Math.max(1, Math.ceil(plainSize / CHUNK_SIZE));
}

/** Bytes on disk of a segment of `plainSize` plaintext bytes. */
export function sealedSize(plainSize: number): number {
  return plainSize + chunkCount(plainSize) * TAG_SIZE;
}

/** Offset of chunk `index` within its segment. */
export function chunkOffset(index: number): number {
  return index * SEALED_CHUNK;
}

/** A fresh random nonce prefix for a segment. */
export function newNoncePrefix(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(PREFIX_SIZE));
}

function nonce(prefix: Uint8Array, index: number): Uint8Array<ArrayBuffer> {
  const iv = new Uint8Array(12);
  iv.set(prefix.subarray(0, PREFIX_SIZE));
  new DataView(iv.buffer).setUint32(8, index);
  return iv;
}

function aad(index: number, last: boolean, part: number | undefined): Uint8Array<ArrayBuffer> {
  const a = new Uint8Array(part === undefined ? 6 : 10);
  const view = new DataView(a.buffer);
  a[0] = part === undefined ? 0x73 : 0x6d; // 's': a whole object; 'm': one part of a multipart object
  view.setUint32(1, index);
  a[5] = last ? 1 : 0;
  if (part !== undefined) view.setUint32(6, part);
  return a;
}

function sealOne(
  key: CryptoKey,
  prefix: Uint8Array,
  index: number,
  last: boolean,
  plain: Uint8Array,
  part: number | undefined,
) {
  return crypto.subtle.encrypt(
    { name: "AES-GCM", iv: nonce(prefix, index), additionalData: aad(index, last, part) },
    key,
    plain as Uint8Array<ArrayBuffer>,
  );
}

async function openOne(
  key: CryptoKey,
  prefix: Uint8Array,
  index: number,
  last: boolean,
  sealed: Uint8Array,
  part: number | undefined,
): Promise<ArrayBuffer> {
  try {
    return await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: nonce(prefix, index), additionalData: aad(index, last, part) },
      key,
      sealed as Uint8Array<ArrayBuffer>,
    );
  } catch {
    throw new SealError(`encrypted chunk ${index} failed authentication`);
  }
}

/**
 * A synchronous AES-256-GCM seal of one chunk, writing ciphertext then tag into `out` at `at`
 * (hosts may supply the runtime's native cipher; the output is byte for byte WebCrypto's).
 */
export type SyncChunkSeal = (
  rawKey: Uint8Array,
  iv: Uint8Array,
  additionalData: Uint8Array,
  plain: Uint8Array,
  out: Uint8Array,
  at: number,
) => void;

/**
 * Seals a segment batch by batch. Every batch but the last must be a whole number of chunks;
 * the output of each call is what goes on disk next (its length is known in advance:
 * sealedSize of the batch, see sealedBatchSize).
 */
export class ChunkSealer {
  private index = 0;
  private finished = false;

  constructor(
    private readonly key: CryptoKey,
    private readonly prefix: Uint8Array,
    /** The part number, when the segment is one part of a multipart object. */
    private readonly part?: number,
    /** A synchronous sealer and the raw key, used instead of WebCrypto when given. */
    private readonly native?: { seal: SyncChunkSeal; rawKey: Uint8Array },
  ) {}

  /** Chunks sealed so far. */
  get chunks(): number {
    return this.index;
  }

  async seal(plain: Uint8Array, last: boolean): Promise<Uint8Array<ArrayBuffer>> {
    if (this.finished) throw new Error("segment already finished");
    if (!last && plain.length % CHUNK_SIZE !== 0) throw new Error("a batch must be whole chunks");
    const n = last ? chunkCount(plain.length) : plain.length / CHUNK_SIZE;
    const out = new Uint8Array(sealedBatchSize(plain.length, last));
    const first = this.index;
    const native = this.native;
    if (native) {
      for (let i = 0; i < n; i++) {
        const index = first + i;
        const piece = plain.subarray(i * CHUNK_SIZE, Math.min(plain.length, (i + 1) * CHUNK_SIZE));
        const iv = nonce(this.prefix, index);
        native.seal(
          native.rawKey,
          iv,
          aad(index, last && i === n - 1, this.part),
          piece,
          out,
          i * SEALED_CHUNK,
        );
      }
    } else
      await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const piece = plain.subarray(i * CHUNK_SIZE, Math.min(plain.length, (i + 1) * CHUNK_SIZE));
          const sealed = await sealOne(
            this.key,
            this.prefix,
            first + i,
            last && i === n - 1,
            piece,
            this.part,
          );
          out.set(new Uint8Array(sealed), i * SEALED_CHUNK);
        }),
      );
    this.index += n;
    if (last) this.finished = true;
    return out;
  }
}

/** Bytes produced by sealing a batch of `plainLength` bytes. */
export function sealedBatchSize(plainLength: number, last: boolean): number {
  return last ? sealedSize(plainLength) : plainLength + (plainLength / CHUNK_SIZE) * TAG_SIZE;
}

/** Seals a whole segment in one call. */
export function sealSegment(key: CryptoKey, prefix: Uint8Array, plain: Uint8Array) {
  return new ChunkSealer(key, prefix).seal(plain, true);
}

/** The chunks [first, last] of a segment of `plainSize` bytes that cover plaintext [start, end]. */
export function chunksCovering(start: number, endInclusive: number): { first: number; last: number } {
  return { first: Math.floor(start / CHUNK_SIZE), last: Math.floor(endInclusive / CHUNK_SIZE) };
}

/**
 * Opens consecutive chunks `first`… of a segment of `plainSize` plaintext bytes, given their
 * sealed bytes (read from chunkOffset(first)). Throws SealError when any chunk fails, or when
 * the sealed bytes are not exactly what those chunks must occupy.
 */
export async function openChunks(
  key: CryptoKey,
  prefix: Uint8Array,
  plainSize: number,
  first: number,
  sealed: Uint8Array,
  part?: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const pieces = await openChunkList(key, prefix, plainSize, first, sealed, part);
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A synchronous AES-256-GCM open of one chunk (hosts may supply the runtime's native cipher:
 * same format, no promise per chunk). Returns undefined when the tag fails.
 */
export type SyncChunkOpen = (
  rawKey: Uint8Array,
  iv: Uint8Array,
  additionalData: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
) => Uint8Array<ArrayBuffer> | undefined;

/**
 * openChunkList with a synchronous opener: what a host's read path uses. Same checks and
 * errors as openChunkList.
 */
export function openChunksSync(
  open: SyncChunkOpen,
  rawKey: Uint8Array,
  prefix: Uint8Array,
  plainSize: number,
  first: number,
  sealed: Uint8Array,
  part?: number,
): Uint8Array<ArrayBuffer>[] {
  const { total, n } = checkSealedRun(plainSize, first, sealed.length);
  const out: Uint8Array<ArrayBuffer>[] = [];
  for (let i = 0; i < n; i++) {
    const index = first + i;
    const start = i * SEALED_CHUNK;
    const end = Math.min(sealed.length, start + SEALED_CHUNK);
    const plain = open(
      rawKey,
      nonce(prefix, index),
      aad(index, index === total - 1, part),
      sealed.subarray(start, end - TAG_SIZE),
      sealed.subarray(end - TAG_SIZE, end),
    );
    if (!plain) throw new SealError(`encrypted chunk ${index} failed authentication`);
    out.push(plain);
  }
  return out;
}

/**
 * The object's chunk count and the number of chunks in a run of `sealedLength` bytes from
 * chunk `first`; SealError unless the run is exactly what those chunks occupy.
 */
function checkSealedRun(plainSize: number, first: number, sealedLength: number) {
  const total = chunkCount(plainSize);
  const n = Math.ceil(sealedLength / SEALED_CHUNK);
  if (n === 0 || first + n > total) throw new SealError("encrypted data longer than recorded");
  const plainLength = Math.min(plainSize, (first + n) * CHUNK_SIZE) - first * CHUNK_SIZE;
  if (sealedLength !== plainLength + n * TAG_SIZE) throw new SealError("encrypted data truncated");
  return { total, n };
}

/** Like openChunks, one plaintext array per chunk (no copy into one buffer). */
export async function openChunkList(
  key: CryptoKey,
  prefix: Uint8Array,
  plainSize: number,
  first: number,
  sealed: Uint8Array,
  part?: number,
): Promise<Uint8Array<ArrayBuffer>[]> {
  const { total, n } = checkSealedRun(plainSize, first, sealed.length);
  return await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const piece = sealed.subarray(i * SEALED_CHUNK, Math.min(sealed.length, (i + 1) * SEALED_CHUNK));
      const index = first + i;
      return new Uint8Array(await openOne(key, prefix, index, index === total - 1, piece, part));
    }),
  );
}
