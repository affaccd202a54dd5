/**
 * Incremental digests and CRC-32 on Bun's native hashers (Bun.CryptoHasher, Bun.hash.crc32).
 * The Node build swaps this module for node/hasher.ts (node:crypto, @node-rs/crc32).
 */
export type HashAlgorithm = "md5" | "sha1" | "sha256";

export interface Hasher {
  update(data: Uint8Array | string): unknown;
  digest(): Uint8Array;
  digest(encoding: "hex" | "base64"): string;
}

export function createHasher(algorithm: HashAlgorithm): Hasher {
  return new Bun.CryptoHasher(algorithm) as Hasher;
}

/** CRC-32 (ISO-HDLC, as zlib) of data, continuing from previous. */
export function crc32(data: Uint8Array | string, previous = 0): number {
  return Bun.hash.crc32(data, previous);
}

/** SHA-256 of data as lower-case hex, in one call (a third of an incremental hasher's cost). */
export function sha256Hex(data: Uint8Array | string): string {
  return Bun.SHA256.hash(data, "hex");
}

/** HMAC-SHA256 of data under key, as lower-case hex or raw bytes. */
export function hmacSha256(key: Uint8Array, data: string): Uint8Array;
export function hmacSha256(key: Uint8Array, data: string, encoding: "hex"): string;
export function hmacSha256(key: Uint8Array, data: string, encoding?: "hex"): Uint8Array | string {
  const hasher = new Bun.CryptoHasher("sha256", key);
  hasher.update(data);
  return encoding ? hasher.digest(encoding) : hasher.digest();
}
