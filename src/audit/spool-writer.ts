import { closeSync, constants, fstatSync, openSync, writeSync } from "node:fs";
import { segmentPath } from "./spool-segments.ts";

export interface SpoolWriter {
  /**
   * Appends one line to the newest segment with a single write(2) on an O_APPEND descriptor: once
   * this returns, the line is in the kernel, so a process killed right after loses nothing. Throws
   * when the write fails (the line is then not in the spool).
   */
  append(line: Uint8Array): void;
  /** The segment being written. */
  activeSegment(): number;
  close(): void;
}

export interface SpoolWriterOptions {
  dir: string;
  /** The first segment to write: always a new one, so that every older segment is immutable. */
  firstSegment: number;
  /** A segment is closed and the next one started once it reaches this size. */
  segmentBytes: number;
}

const appendFlags = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND;

export function createSpoolWriter(options: SpoolWriterOptions): SpoolWriter {
  let seq = options.firstSegment;
  let fd = openSync(segmentPath(options.dir, seq), appendFlags, 0o600);
  let size = fstatSync(fd).size;
  const rotate = () => {
    const next = seq + 1;
    const nextFd = openSync(segmentPath(options.dir, next), appendFlags, 0o600);
    closeSync(fd);
    fd = nextFd;
    seq = next;
    size = fstatSync(fd).size;
  };
  return {
    append(line) {
      if (size >= options.segmentBytes) rotate();
      let written = 0;
      while (written < line.byteLength) {
        written += writeSync(fd, line, written, line.byteLength - written);
      }
      size += line.byteLength;
    },
    activeSegment: () => seq,
    close() {
      if (fd < 0) return;
      closeSync(fd);
      fd = -1;
    },
  };
}
