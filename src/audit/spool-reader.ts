import { open, unlink } from "node:fs/promises";
import type { SpoolPosition } from "./spool-offset.ts";
import { listSegments, segmentPath } from "./spool-segments.ts";

/** The lines that follow a position, and where the spool stands after them. */
export interface SpoolBatch {
  lines: string[];
  /** Where the spool stands once these lines are delivered. */
  next: SpoolPosition;
  /** Bytes between the position and `next` (the lines, their newlines, and torn tails skipped). */
  bytes: number;
  /** Bytes of torn lines skipped (the tail of a segment that never got its newline). */
  tornBytes: number;
  /** Whether more lines may follow at once (the batch stopped at maxLines or at the read chunk). */
  more: boolean;
}

export interface ReadBatchOptions {
  maxLines: number;
  /** A batch stops before the line that would take it past this many bytes (it holds one at least). */
  maxBytes?: number;
  /** Bytes read at once; a longer line is read by doubling. Default 1 MiB. */
  chunkBytes?: number;
}

const newline = 0x0a;

async function readAt(file: string, offset: number, length: number): Promise<Buffer | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Reads up to maxLines complete lines from `from`, within one segment. A segment is sealed once a
 * newer one exists (the writer only appends to the newest), so at the end of a sealed segment the
 * reader moves to the next one, skipping a torn last line; at the end of the newest segment it waits
 * for the writer. Never reads from memory: a restarted host resumes from its offset file.
 */
export async function readSpoolBatch(
  dir: string,
  from: SpoolPosition,
  options: ReadBatchOptions,
): Promise<SpoolBatch> {
  let position = { ...from };
  let bytes = 0;
  let tornBytes = 0;
  let chunk = options.chunkBytes ?? 1024 * 1024;
  for (;;) {
    // Decide whether the segment is sealed before reading it: a segment sealed now has all its lines.
    const later = (await listSegments(dir)).find((s) => s > position.segment);
    const data = await readAt(segmentPath(dir, position.segment), position.offset, chunk);
    const lines: string[] = [];
    let consumed = 0;
    let full = false;
    if (data) {
      let start = 0;
      const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
      while (lines.length < options.maxLines) {
        const end = data.indexOf(newline, start);
        if (end < 0) break;
        if (lines.length > 0 && end + 1 > maxBytes) {
          full = true;
          break;
        }
        lines.push(data.toString("utf8", start, end));
        start = end + 1;
      }
      consumed = start;
    }
    if (lines.length > 0) {
      return {
        lines,
        next: { ...position, offset: position.offset + consumed },
        bytes: bytes + consumed,
        tornBytes,
        more: full || lines.length === options.maxLines || data!.byteLength === chunk || later !== undefined,
      };
    }
    if (data && data.byteLength === chunk) {
      chunk *= 2; // one line longer than the chunk
      continue;
    }
    if (later === undefined) return { lines, next: position, bytes, tornBytes, more: false };
    const torn = data?.byteLength ?? 0;
    bytes += torn;
    tornBytes += torn;
    position = { segment: later, offset: 0 };
  }
}

/** Removes the segments wholly before `position` (delivered). */
export async function removeDeliveredSegments(dir: string, position: SpoolPosition): Promise<void> {
  for (const seq of await listSegments(dir)) {
    if (seq >= position.segment) break;
    await unlink(segmentPath(dir, seq)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "ENOENT") throw e;
    });
  }
}

/** Bytes and lines pending after `from` in the sealed segments (those before `before`). */
export async function measurePending(
  dir: string,
  from: SpoolPosition,
  before: number,
): Promise<{ bytes: number; events: number }> {
  let bytes = 0;
  let events = 0;
  for (const seq of await listSegments(dir)) {
    if (seq < from.segment || seq >= before) continue;
    const handle = await open(segmentPath(dir, seq), "r").catch(() => undefined);
    if (!handle) continue;
    try {
      let offset = seq === from.segment ? from.offset : 0;
      const buffer = Buffer.allocUnsafe(1024 * 1024);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, offset);
        if (bytesRead === 0) break;
        for (let i = buffer.indexOf(newline); i >= 0 && i < bytesRead; i = buffer.indexOf(newline, i + 1))
          events++;
        bytes += bytesRead;
        offset += bytesRead;
      }
    } finally {
      await handle.close();
    }
  }
  return { bytes, events };
}
