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
