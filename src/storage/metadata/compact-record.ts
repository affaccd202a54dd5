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

/** Algorithm codes (index + 1) and digest lengths; on disk, so append only. */
const checksumAlgorithms: readonly { name: ChecksumAlgorithm; bytes: number }[] = [
  { name: "CRC32", bytes: 4 },
  { name: "CRC32C", bytes: 4 },
  { name: "CRC64NVME", bytes: 8 },
  { name: "SHA1", bytes: 20 },
  { name: "SHA256", bytes: 32 },
];

const allowedFields = new Set(["v", "s", "m", "i", "e", "h", "k"]);
const decimalU64 = /^(?:0|[1-9][0-9]{0,19})$/;
const md5Hex = /^[0-9a-f]{32}$/;
const U64_LIMIT = 1n << 64n;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function u64Of(decimal: unknown): bigint | undefined {
  if (typeof decimal !== "string" || !decimalU64.test(decimal)) return undefined;
  const value = BigInt(decimal);
  return value < U64_LIMIT ? value : undefined;
}

function hasOnlyKeys(value: object, keys: readonly string[]): boolean {
  const own = Object.keys(value);
  return own.length === keys.length && own.every((k) => keys.includes(k));
}

/** The content type's bytes on disk (code or length-prefixed UTF-8), or undefined if it cannot be. */
function contentTypeBytes(h: MetadataRecord["h"]): { flag: number; bytes: Uint8Array } | undefined {
  if (h === undefined) return { flag: CT_NONE, bytes: new Uint8Array(0) };
  if (typeof h !== "object" || h === null || !hasOnlyKeys(h, ["ct"]) || typeof h.ct !== "string") return;
  const code = contentTypeCode(h.ct);
  if (code !== undefined) return { flag: CT_CODED, bytes: Uint8Array.of(code) };
  const text = utf8.encode(h.ct);
  // A string with lone surrogates would not come back the same from UTF-8.
  if (text.length > 255 || new TextDecoder().decode(text) !== h.ct) return undefined;
  const bytes = new Uint8Array(1 + text.length);
  bytes[0] = text.length;
  bytes.set(text, 1);
  return { flag: CT_INLINE, bytes };
}

/** The checksum's bytes on disk (code + raw digest), or undefined if it cannot be. */
function checksumBytes(k: MetadataRecord["k"]): Uint8Array | undefined {
  if (k === undefined) return new Uint8Array(0);
  if (typeof k !== "object" || k === null || !hasOnlyKeys(k, ["algorithm", "value", "type"])) return;
  if (k.type !== "FULL_OBJECT" && k.type !== "COMPOSITE") return undefined;
  const index = checksumAlgorithms.findIndex((a) => a.name === k.algorithm);
  if (index < 0 || typeof k.value !== "string") return undefined;
  const digest = Buffer.from(k.value, "base64");
  // Only values that decode back to the same string (canonical base64 of the full digest).
  if (digest.length !== checksumAlgorithms[index]!.bytes || digest.toString("base64") !== k.value) return;
  const bytes = new Uint8Array(1 + digest.length);
  bytes[0] = (index + 1) | (k.type === "COMPOSITE" ? COMPOSITE : 0);
  bytes.set(digest, 1);
  return bytes;
}

function sizeBytes(size: number): Uint8Array {
  const out: number[] = [];
  let rest = size;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return Uint8Array.from(out);
}

/** The compact form of a record, or undefined when it has anything the form cannot hold. */
export function encodeCompactRecord(rec: MetadataRecord): Uint8Array | undefined {
  for (const [key, value] of Object.entries(rec)) {
    if (value !== undefined && !allowedFields.has(key)) return undefined;
  }
  if (rec.v !== 1 || !Number.isSafeInteger(rec.s) || rec.s < 0) return undefined;
  const mtime = u64Of(rec.m);
  const inode = u64Of(rec.i);
  if (mtime === undefined || inode === undefined) return undefined;
  if (typeof rec.e !== "string" || !md5Hex.test(rec.e)) return undefined;
  const ct = contentTypeBytes(rec.h);
  const checksum = checksumBytes(rec.k);
  if (!ct || !checksum) return undefined;
  const size = sizeBytes(rec.s);
  const out = new Uint8Array(SIZE_AT + size.length + ct.bytes.length + checksum.length);
  const view = new DataView(out.buffer);
  out[0] = COMPACT_RECORD_MARK;
  out[1] = FORMAT_VERSION;
  out[2] = ct.flag | (rec.k ? HAS_CHECKSUM : 0);
  view.setBigUint64(MTIME_AT, mtime, true);
  view.setBigUint64(INODE_AT, inode, true);
  out.set(Buffer.from(rec.e, "hex"), ETAG_AT);
  out.set(size, SIZE_AT);
  out.set(ct.bytes, SIZE_AT + size.length);
  out.set(checksum, SIZE_AT + size.length + ct.bytes.length);
  return out;
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
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rec: MetadataRecord = {
    v: 1,
    s: sized.size,
    m: view.getBigUint64(MTIME_AT, true).toString(),
    i: view.getBigUint64(INODE_AT, true).toString(),
    e: Buffer.from(bytes.buffer, bytes.byteOffset + ETAG_AT, 16).toString("hex"),
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
    const value = Buffer.from(bytes.buffer, bytes.byteOffset + at + 1, algorithm.bytes).toString("base64");
    rec.k = { algorithm: algorithm.name, value, type: code & COMPOSITE ? "COMPOSITE" : "FULL_OBJECT" };
    at = end;
  }
  return at === bytes.length ? rec : undefined;
}
