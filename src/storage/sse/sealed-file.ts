/**
 * Reading an encrypted file: a decrypting view that reads only the chunks covering a
 * plaintext range, of a single-segment object or of the part segments of a multipart one.
 */
import { readSync } from "node:fs";
import { readRange } from "../../runtime/file-stream.ts";
import { nodeChunkOpen } from "../../runtime/node-chunk-cipher.ts";
import {
  CHUNK_SIZE,
  chunkCount,
  chunkOffset,
  openChunksSync,
  PREFIX_SIZE,
  SealError,
  sealedSize,
} from "../../sse/chunks.ts";
import { fromBase64 } from "../../sse/data-key.ts";
import { StorageError } from "../errors.ts";
import type { PartsLayout } from "../types.ts";
import type { SseRecord } from "./records.ts";
import { sealedPartSize } from "./sealing.ts";

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
