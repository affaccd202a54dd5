/** The Node twin of ../hasher.ts: node:crypto digests and @node-rs/crc32 (SIMD) CRC-32. */
import { createHash, createHmac } from "node:crypto";
import { crc32 as simdCrc32 } from "@node-rs/crc32";
import type { HashAlgorithm, Hasher } from "../hasher.ts";

export type { HashAlgorithm, Hasher } from "../hasher.ts";

export function createHasher(algorithm: HashAlgorithm): Hasher {
  return createHash(algorithm) as Hasher;
}

/** CRC-32 (ISO-HDLC, as zlib) of data, continuing from previous. */
export function crc32(data: Uint8Array | string, previous = 0): number {
  return simdCrc32(data, previous);
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export function hmacSha256(key: Uint8Array, data: string): Uint8Array;
export function hmacSha256(key: Uint8Array, data: string, encoding: "hex"): string;
export function hmacSha256(key: Uint8Array, data: string, encoding?: "hex"): Uint8Array | string {
  const hmac = createHmac("sha256", key).update(data);
  return encoding ? hmac.digest(encoding) : hmac.digest();
}
