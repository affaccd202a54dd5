/**
 * Streams a request body into a new temp file in `<bucket>/.s3dir/tmp/` (same filesystem as
 * the target, so publishing is a rename), hashing and counting as it goes and verifying
 * every integrity check before anything is published. On a local filesystem each chunk is
 * written with a blocking pwrite right after it is hashed, while it is still in this core's
 * cache: a thread-pool write of a 1 MiB copy cost 0.6–0.8 ms more CPU per MiB (the pool thread
 * reads the data cold), about as much as the write itself (docs/performance.md, "Large PUTs").
 * On a network filesystem, and for sealed (SSE) bodies, chunks are coalesced into 1 MiB
 * buffers and written while the next buffer fills (double buffering), so memory stays flat
 * and the disk sees large writes. On any failure the temp file is removed and the error —
 * ours, the body stream's (client gone, signature failure) or beforePublish's — propagates
 * unchanged.
 *
 * A write in flight fails while nobody awaits it (ENOSPC, EDQUOT, EIO arrive while the next
 * buffer fills): it is observed at once (a rejection without a handler would end the process),
 * the upload stops at the next chunk, and its error is the one that propagates.
 */

import { writeAt, writeAtSync } from "../../runtime/file-stream.ts";
import { errCode, type FsOps, fsOps, O_CREAT, O_EXCL, O_WRONLY } from "../../runtime/fs-ops.ts";
import { CHUNK_SIZE, type ChunkSealer, sealedBatchSize } from "../../sse/chunks.ts";
import { StorageError } from "../errors.ts";
import { mkdirs } from "../layout/mkdirs.ts";
import type { Layout } from "../layout/paths.ts";
import { randomName } from "../layout/temp-names.ts";
import {
  type BodyVerification,
  isWholeBody,
  type StoredChecksum,
  type UploadSource,
  type WholeBody,
} from "../types.ts";
import { chunkWriteGuard } from "./blocking-write-guard.ts";
import { BodyHasher } from "./hashing.ts";

export const MAX_OBJECT_SIZE = 5 * 1024 ** 4;
const BUFFER_SIZE = 1 << 20;
/** Below this, a write on a local filesystem is cheaper as one blocking call than a thread-pool trip. */
const SYNC_WRITE_MAX = 256 * 1024;
/**
 * A streamed chunk up to this size is written blocking on a local filesystem (Bun hands over
 * 64–512 KiB); a larger one (the loop fell behind and the runtime joined chunks) goes to the pool.
 */
const SYNC_CHUNK_MAX = 1 << 20;

export interface TempFile {
  path: string;
  fd: number;
  size: number;
  md5Hex: string;
  checksum?: StoredChecksum;
}

/** Creates a fresh temp file (O_EXCL, random name); NoSuchBucket when the bucket is gone. */
export async function createTemp(
  ops: FsOps,
  layout: Layout,
  bucket: string,
): Promise<{ path: string; fd: number }> {
  const dir = layout.reserved(bucket, "tmp");
  for (let attempt = 0; ; attempt++) {
    const path = `${dir}/${randomName("put")}`;
    try {
      // Always off the event loop: creating an inode can take hundreds of microseconds even
      // on a local disk, far more than the other metadata calls.
      return { path, fd: await fsOps(false).open(path, O_WRONLY | O_CREAT | O_EXCL, 0o666) };
    } catch (e) {
      if (errCode(e) !== "ENOENT" || attempt > 2) throw e;
      const bucketStat = await ops.lstat(layout.bucket(bucket)).catch(() => undefined);
      if (!bucketStat?.isDirectory()) throw new StorageError("NoSuchBucket");
      await mkdirs(ops, dir);
    }
  }
}

/** A small body read whole and checked (size, digests) before any file exists. */
interface VerifiedWhole {
  bytes: Uint8Array;
  size: number;
  md5Hex: string;
  checksum?: StoredChecksum;
}

/** Reads a small body whole and runs every integrity check on it; nothing is created. */
async function readWholeVerified(source: WholeBody, verify: BodyVerification): Promise<VerifiedWhole> {
  const bytes = await source.read();
  checkSize(bytes.length, verify);
  const hasher = new BodyHasher({ sha256: !!verify.sha256Hex, checksum: verify.checksum?.algorithm });
  hasher.update(bytes);
  const { size, md5Hex, checksum } = await verified(hasher, verify, bytes.length);
  return { bytes, size, md5Hex, checksum };
}

/** The temp file of a body read and checked whole: one blocking pwrite on a local filesystem. */
async function tempOfVerified(
  ops: FsOps,
  layout: Layout,
  bucket: string,
  body: VerifiedWhole,
): Promise<TempFile> {
  const temp = await createTemp(ops, layout, bucket);
  try {
    await writeBytes(temp.fd, body.bytes, ops.sync);
  } catch (e) {
    await discardTemp(ops, temp);
    throw e;
  }
  const result: TempFile = { path: temp.path, fd: temp.fd, size: body.size, md5Hex: body.md5Hex };
  if (body.checksum) result.checksum = body.checksum;
  return result;
}

/** Removes a temp file, ignoring errors (best-effort cleanup). */
export async function discardTemp(ops: FsOps, t: { path: string; fd?: number }): Promise<void> {
  if (t.fd !== undefined) await ops.close(t.fd).catch(() => {});
  await ops.unlink(t.path).catch(() => {});
}

export async function writeBodyToTemp(
  ops: FsOps,
  layout: Layout,
  bucket: string,
  source: UploadSource,
  verify: BodyVerification,
  sealer?: ChunkSealer,
  /** Bytes written ahead of the sealed chunks (a multipart part's nonce prefix). */
  header?: Uint8Array,
): Promise<TempFile> {
  if (verify.expectedSize !== undefined && verify.expectedSize > MAX_OBJECT_SIZE) {
    await source.cancel().catch(() => {});
    throw new StorageError("TooLarge", "object larger than 5 TiB");
  }
  // A small body is read whole before its temp file exists: a client gone mid-body leaves nothing.
  let stream: ReadableStream<Uint8Array>;
  if (isWholeBody(source)) {
    // Checked before its temp file exists: a bad digest leaves nothing to remove.
    if (!sealer && !header)
      return tempOfVerified(ops, layout, bucket, await readWholeVerified(source, verify));
    const whole = await source.read();
    checkSize(whole.length, verify);
    // Sealed bytes and a prefix take the streaming way, as one chunk.
    stream = streamOf(whole);
  } else stream = source;
  const temp = await createTemp(ops, layout, bucket);
  try {
    if (header) await writeAt(temp.fd, header, 0);
    const result = await fill(temp.fd, stream, verify, ops.sync, sealer, header?.length ?? 0);
    return { ...temp, ...result };
  } catch (e) {
    await discardTemp(ops, temp);
    throw e;
  }
}

/**
 * With a sealer (server-side encryption), hashing and counting still see the plaintext; each
 * buffer (a whole number of chunks) is sealed and written while the next one fills, and a
 * full buffer is only sealed once more data arrives, so the last chunk is known as such.
 */
async function fill(
  fd: number,
  body: ReadableStream<Uint8Array>,
  verify: BodyVerification,
  syncIo: boolean,
  sealer: ChunkSealer | undefined,
  start: number,
) {
  const hasher = new BodyHasher({ sha256: !!verify.sha256Hex, checksum: verify.checksum?.algorithm });
  const limit = verify.expectedSize ?? MAX_OBJECT_SIZE;
  const reader = body.getReader();
  // Two buffers, each allocated on first use and no larger than the declared body.
  const bufferSize = sealer
    ? Math.min(
        BUFFER_SIZE,
        Math.max(1, Math.ceil((verify.expectedSize ?? BUFFER_SIZE) / CHUNK_SIZE)) * CHUNK_SIZE,
      )
    : Math.max(1, Math.min(BUFFER_SIZE, verify.expectedSize ?? BUFFER_SIZE));
  const buffers: (Uint8Array | undefined)[] = [undefined, undefined];
  let which = 0;
  let current: Uint8Array | undefined;
  let fill = 0;
  let written = start;
  let pending: Promise<void> | undefined;
  let writeError: { error: unknown } | undefined;
  /** A write left running while the body is read: its failure is recorded, never unhandled. */
  const inFlight = (write: Promise<void>) => {
    write.catch((error) => {
      writeError ??= { error };
    });
    return write;
  };
  let size = 0;
  const flush = async (last = false) => {
    if (sealer) {
      if (pending) await pending;
      const plain = (current ?? new Uint8Array(0)).subarray(0, fill);
      const at = written;
      written += sealedBatchSize(fill, last);
      pending = inFlight(sealer.seal(plain, last).then((sealed) => writeAt(fd, sealed, at)));
      which ^= 1;
      current = undefined;
      fill = 0;
      return;
    }
    if (!current || fill === 0) return;
    if (pending) await pending;
    pending = inFlight(writeAt(fd, current.subarray(0, fill), written));
    written += fill;
    which ^= 1;
    current = undefined;
    fill = 0;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (writeError) throw writeError.error;
      if (done) break;
      if (!value || value.length === 0) continue;
      size += value.length;
      if (size > limit) {
        throw verify.expectedSize !== undefined && size <= MAX_OBJECT_SIZE
          ? new StorageError("IncompleteBody", "body longer than declared")
          : new StorageError("TooLarge", "object larger than 5 TiB");
      }
      hasher.update(value);
      // Local filesystem, plain bytes: written as they come (below, the buffered pool writes).
      if (!sealer && syncIo) {
        const started = performance.now();
        if (value.length <= SYNC_CHUNK_MAX && chunkWriteGuard.allowed(started)) {
          writeAtSync(fd, value, written);
          chunkWriteGuard.wrote(started, performance.now());
        } else await writeAt(fd, value, written);
        written += value.length;
        continue;
      }
      if (!sealer && value.length >= bufferSize && fill === 0) {
        if (pending) await pending;
        pending = inFlight(writeAt(fd, value, written));
        written += value.length;
        continue;
      }
      let off = 0;
      while (off < value.length) {
        if (sealer && fill === bufferSize) await flush();
        current ??= buffers[which] ??= new Uint8Array(bufferSize);
        const n = Math.min(value.length - off, bufferSize - fill);
        current.set(value.subarray(off, off + n), fill);
        fill += n;
        off += n;
        if (!sealer && fill === bufferSize) await flush();
      }
    }
    await flush(true);
    if (pending) await pending;
  } catch (e) {
    reader.cancel().catch(() => {});
    if (pending) await pending.catch(() => {});
    throw e;
  } finally {
    reader.releaseLock();
  }
  return await verified(hasher, verify, size);
}

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      if (bytes.length > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** IncompleteBody unless a body read whole has exactly the declared size. */
function checkSize(size: number, verify: BodyVerification): void {
  if (verify.expectedSize !== undefined && size !== verify.expectedSize) {
    const how = size > verify.expectedSize ? "longer" : "shorter";
    throw new StorageError("IncompleteBody", `body ${how} than declared (${size}, ${verify.expectedSize})`);
  }
}

/** A body read whole, in one pwrite (blocking on a local filesystem, where that is cheaper). */
async function writeBytes(fd: number, bytes: Uint8Array, syncIo: boolean): Promise<void> {
  if (bytes.length === 0) return;
  if (syncIo && bytes.length <= SYNC_WRITE_MAX) writeAtSync(fd, bytes, 0);
  else await writeAt(fd, bytes, 0);
}

/** Every integrity check the client asked for, once the whole body is in. */
async function verified(hasher: BodyHasher, verify: BodyVerification, size: number) {
  if (verify.expectedSize !== undefined && size < verify.expectedSize) {
    throw new StorageError("IncompleteBody", `body shorter than declared (${size} < ${verify.expectedSize})`);
  }
  const digests = hasher.finish();
  const md5 = Buffer.from(digests.md5.buffer, digests.md5.byteOffset, digests.md5.byteLength);
  if (verify.md5Base64 !== undefined && md5.toString("base64") !== verify.md5Base64) {
    throw new StorageError("BadDigest", "Content-MD5 mismatch");
  }
  if (verify.sha256Hex !== undefined && digests.sha256Hex !== verify.sha256Hex.toLowerCase()) {
    throw new StorageError("Sha256Mismatch", "x-amz-content-sha256 mismatch");
  }
  const late = verify.beforePublish ? await verify.beforePublish() : undefined;
  const expected = late?.checksumExpected ?? verify.checksum?.expected;
  if (verify.checksum && expected !== undefined && expected !== digests.checksum) {
    throw new StorageError("ChecksumMismatch", `${verify.checksum.algorithm} checksum mismatch`);
  }
  const checksum: StoredChecksum | undefined =
    verify.checksum && digests.checksum
      ? { algorithm: verify.checksum.algorithm, value: digests.checksum, type: "FULL_OBJECT" }
      : undefined;
  return { size, md5Hex: md5.toString("hex"), checksum };
}
