/**
 * The compact binary form of the common metadata record (a plain PUT: identity, MD5 ETag,
 * maybe a Content-Type, maybe a checksum), small enough to stay inside an ext4 inode (256-byte
 * inodes leave about 64 bytes for an xattr value) instead of costing a separate xattr block.
 * Layout and codes: docs/on-disk-layout.md. Any other record stays JSON (record.ts).
 *
 *   0      0xFF (no UTF-8 text, so no JSON record, starts with it)
 *   1      format version, 1
 *   2      flags: bits 0-1 Content-Type (0 none, 1 coded, 2 inline), bit 2 checksum, others 0
 *   3      mtime in ns, u64 little-endian
 *   11     inode, u64 little-endian
 *   19     ETag, 16 bytes (the MD5)
 *   35     size, unsigned LEB128 (1-8 bytes, shortest form, at most 2^53 - 1)
 *   then   Content-Type: 1 byte code (content-type-codes.ts), or 1 byte length + UTF-8 bytes
 *   then   checksum: 1 byte (bits 0-2 algorithm code, bit 3 COMPOSITE) + the raw digest
 */
import type { ChecksumAlgorithm } from "../../lib/checksum-algorithm.ts";
import {
  readBase64,
  readDecimalU64,
  readHex,
  writeBase64,
  writeDecimalU64,
  writeHex,
} from "./compact-fields.ts";
import { contentTypeCode, contentTypeOfCode } from "./content-type-codes.ts";
import type { MetadataRecord } from "./record.ts";

export const COMPACT_RECORD_MARK = 0xff;
const FORMAT_VERSION = 1;

const CT_NONE = 0;
const CT_CODED = 1;
const CT_INLINE = 2;
const CT_MASK = 0b11;
const HAS_CHECKSUM = 0b100;
const KNOWN_FLAGS = CT_MASK | HAS_CHECKSUM;

const ALGORITHM_MASK = 0b111;
const COMPOSITE = 0b1000;

const MTIME_AT = 3;
const INODE_AT = 11;
const ETAG_AT = 19;
const SIZE_AT = 35;
const MAX_SIZE_BYTES = 8;
const ETAG_BYTES = 16;

/** Algorithm codes (index + 1) and digest lengths; on disk, so append only. */
const checksumAlgorithms: readonly { name: ChecksumAlgorithm; bytes: number }[] = [
  { name: "CRC32", bytes: 4 },
  { name: "CRC32C", bytes: 4 },
  { name: "CRC64NVME", bytes: 8 },
  { name: "SHA1", bytes: 20 },
  { name: "SHA256", bytes: 32 },
];

const algorithmIndex = new Map(checksumAlgorithms.map((a, i) => [a.name as string, i]));
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** Encoding writes here, then copies out what it wrote: one allocation per record. */
const scratch = new Uint8Array(512);

function hasOnlyKeys(value: object, keys: readonly string[]): boolean {
  let count = 0;
  for (const key in value) {
    if (!keys.includes(key)) return false;
    count++;
  }
  return count === keys.length;
}

/** Writes the Content-Type (code, or length + UTF-8) at `at`; its flag and end, or undefined. */
function writeContentType(h: MetadataRecord["h"], at: number): { flag: number; end: number } | undefined {
  if (h === undefined) return { flag: CT_NONE, end: at };
  if (typeof h !== "object" || h === null || !hasOnlyKeys(h, ["ct"]) || typeof h.ct !== "string") return;
  const code = contentTypeCode(h.ct);
  if (code !== undefined) {
    scratch[at] = code;
    return { flag: CT_CODED, end: at + 1 };
  }
  if (h.ct.length > 255) return undefined;
  const { read, written } = utf8.encodeInto(h.ct, scratch.subarray(at + 1, at + 256));
  if (read !== h.ct.length || written > 255) return undefined;
  // A string with lone surrogates would not come back the same from UTF-8.
  if (strictUtf8.decode(scratch.subarray(at + 1, at + 1 + written)) !== h.ct) return undefined;
  scratch[at] = written;
  return { flag: CT_INLINE, end: at + 1 + written };
}

/** Writes the checksum (code + raw digest) at `at`; its end, or undefined if it cannot be. */
function writeChecksum(k: MetadataRecord["k"], at: number): number | undefined {
  if (k === undefined) return at;
  if (typeof k !== "object" || k === null || !hasOnlyKeys(k, ["algorithm", "value", "type"])) return;
  if (k.type !== "FULL_OBJECT" && k.type !== "COMPOSITE") return undefined;
  const index = algorithmIndex.get(k.algorithm);
  if (index === undefined || typeof k.value !== "string") return undefined;
  const length = checksumAlgorithms[index]!.bytes;
  if (!writeBase64(scratch, at + 1, k.value, length)) return undefined;
  scratch[at] = (index + 1) | (k.type === "COMPOSITE" ? COMPOSITE : 0);
  return at + 1 + length;
}

function writeSize(size: number): number {
  let at = SIZE_AT;
  let rest = size;
  while (rest >= 0x80) {
    scratch[at++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  scratch[at++] = rest;
  return at;
}

/** The compact form of a record, or undefined when it has anything the form cannot hold. */
export function encodeCompactRecord(rec: MetadataRecord): Uint8Array | undefined {
  for (const key in rec) {
    switch (key) {
      case "v":
      case "s":
      case "m":
      case "i":
      case "e":
      case "h":
      case "k":
        break;
      default:
        if (rec[key as keyof MetadataRecord] !== undefined) return undefined;
    }
  }
  if (rec.v !== 1 || !Number.isSafeInteger(rec.s) || rec.s < 0) return undefined;
  if (typeof rec.m !== "string" || typeof rec.i !== "string" || typeof rec.e !== "string") return;
  if (!writeDecimalU64(scratch, MTIME_AT, rec.m) || !writeDecimalU64(scratch, INODE_AT, rec.i)) return;
  if (!writeHex(scratch, ETAG_AT, rec.e, ETAG_BYTES)) return undefined;
  const ct = writeContentType(rec.h, writeSize(rec.s));
  if (!ct) return undefined;
  const end = writeChecksum(rec.k, ct.end);
  if (end === undefined) return undefined;
  scratch[0] = COMPACT_RECORD_MARK;
  scratch[1] = FORMAT_VERSION;
  scratch[2] = ct.flag | (rec.k ? HAS_CHECKSUM : 0);
  const bytes = new Uint8Array(end);
  for (let i = 0; i < end; i++) bytes[i] = scratch[i]!;
  return bytes;
}

/** The size field at SIZE_AT and where it ends, or undefined unless it is a valid shortest form. */
function readSize(bytes: Uint8Array): { size: number; end: number } | undefined {
  let size = 0;
  let scale = 1;
  for (let at = SIZE_AT; at < bytes.length && at < SIZE_AT + MAX_SIZE_BYTES; at++) {
    const byte = bytes[at]!;
    size += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      if (byte === 0 && at > SIZE_AT) return undefined;
      return Number.isSafeInteger(size) ? { size, end: at + 1 } : undefined;
    }
    scale *= 0x80;
  }
  return undefined;
}

/**
 * The record a compact form holds, in the same shape JSON.parse gives for the same record; any
 * byte string that is not exactly one valid compact record (truncated, trailing bytes, unknown
 * version, flags or codes) gives undefined.
 */
export function decodeCompactRecord(bytes: Uint8Array): MetadataRecord | undefined {
  if (bytes.length < SIZE_AT + 1 || bytes[0] !== COMPACT_RECORD_MARK || bytes[1] !== FORMAT_VERSION) return;
  const flags = bytes[2]!;
  if ((flags & ~KNOWN_FLAGS) !== 0 || (flags & CT_MASK) === CT_MASK) return undefined;
  const sized = readSize(bytes);
  if (!sized) return undefined;
  const rec: MetadataRecord = {
    v: 1,
    s: sized.size,
    m: readDecimalU64(bytes, MTIME_AT),
    i: readDecimalU64(bytes, INODE_AT),
    e: readHex(bytes, ETAG_AT, ETAG_BYTES),
  };
  let at = sized.end;
  const ctFlag = flags & CT_MASK;
  if (ctFlag !== CT_NONE) {
    if (at >= bytes.length) return undefined;
    let ct: string | undefined;
    if (ctFlag === CT_CODED) {
      ct = contentTypeOfCode(bytes[at]!);
      at += 1;
    } else {
      const end = at + 1 + bytes[at]!;
      if (end > bytes.length) return undefined;
      try {
        ct = strictUtf8.decode(bytes.subarray(at + 1, end));
      } catch {
        return undefined;
      }
      at = end;
    }
    if (ct === undefined) return undefined;
    rec.h = { ct };
  }
  if (flags & HAS_CHECKSUM) {
    if (at >= bytes.length) return undefined;
    const code = bytes[at]!;
    const algorithm = checksumAlgorithms[(code & ALGORITHM_MASK) - 1];
    if (!algorithm || (code & ~(ALGORITHM_MASK | COMPOSITE)) !== 0) return undefined;
    const end = at + 1 + algorithm.bytes;
    if (end > bytes.length) return undefined;
    const value = readBase64(bytes, at + 1, algorithm.bytes);
    rec.k = { algorithm: algorithm.name, value, type: code & COMPOSITE ? "COMPOSITE" : "FULL_OBJECT" };
    at = end;
  }
  return at === bytes.length ? rec : undefined;
}
