/**
 * Combining CRCs: given crc(A), crc(B) and the length of B, computes crc(A‖B) without the bytes
 * (zlib's crc32_combine method: multiply crc(A) by x^(8·len(B)) modulo the polynomial, then
 * xor crc(B)). This is how a multipart upload's FULL_OBJECT CRC is derived from its part CRCs,
 * so completion never reads the parts back. Works for the reflected CRCs S3 uses (CRC32, CRC32C,
 * CRC64NVME: init and final xor all ones). BigInt arithmetic; x^(8·n) factors are cached by n,
 * since parts mostly share one size. Web-standard.
 */
import type { ChecksumAlgorithm } from "./checksum-algorithm.ts";

export type CrcAlgorithm = Extract<ChecksumAlgorithm, "CRC32" | "CRC32C" | "CRC64NVME">;

interface CrcSpec {
  width: bigint;
  /** Reflected polynomial. */
  poly: bigint;
  /** x^(2^k) mod poly, k = 0…63. */
  powers: bigint[];
  /** x^(8·n) mod poly by n. */
  factors: Map<number, bigint>;
}

const specs = new Map<CrcAlgorithm, CrcSpec>();

const polynomials: Record<CrcAlgorithm, [bigint, bigint]> = {
  CRC32: [32n, 0xedb88320n],
  CRC32C: [32n, 0x82f63b78n],
  CRC64NVME: [64n, 0x9a6c9329ac4bc9b5n],
};

export function isCrcAlgorithm(algorithm: ChecksumAlgorithm): algorithm is CrcAlgorithm {
  return algorithm in polynomials;
}

/** a·b modulo the polynomial, in the reflected bit order. */
function multiply(spec: CrcSpec, a: bigint, b: bigint): bigint {
  let m = 1n << (spec.width - 1n);
  let p = 0n;
  let x = b;
  for (;;) {
    if (a & m) {
      p ^= x;
      if ((a & (m - 1n)) === 0n) break;
    }
    m >>= 1n;
    x = x & 1n ? (x >> 1n) ^ spec.poly : x >> 1n;
  }
  return p;
}

function specOf(algorithm: CrcAlgorithm): CrcSpec {
  let spec = specs.get(algorithm);
  if (!spec) {
    const [width, poly] = polynomials[algorithm];
    spec = { width, poly, powers: [], factors: new Map() };
    let power = 1n << (width - 2n); // x^1
    for (let k = 0; k < 64; k++) {
      spec.powers.push(power);
      power = multiply(spec, power, power);
    }
    specs.set(algorithm, spec);
  }
  return spec;
}

/** x^(8·bytes) mod poly. */
function shiftFactor(spec: CrcSpec, bytes: number): bigint {
  let factor = spec.factors.get(bytes);
  if (factor === undefined) {
    factor = 1n << (spec.width - 1n); // x^0
    let n = BigInt(bytes);
    let k = 3; // 8 = 2^3
    while (n > 0n) {
      if (n & 1n) factor = multiply(spec, spec.powers[k]!, factor);
      n >>= 1n;
      k++;
    }
    if (spec.factors.size < 4096) spec.factors.set(bytes, factor);
  }
  return factor;
}

/** crc(A‖B) from crc(A), crc(B) and the byte length of B. */
export function crcCombine(algorithm: CrcAlgorithm, crcA: bigint, crcB: bigint, lengthB: number): bigint {
  if (lengthB === 0) return crcA;
  const spec = specOf(algorithm);
  return multiply(spec, shiftFactor(spec, lengthB), crcA) ^ crcB;
}

/** Big-endian digest bytes (as x-amz-checksum-* carries them) to a number and back. */
export function crcFromBytes(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}

export function crcToBytes(algorithm: CrcAlgorithm, value: bigint): Uint8Array {
  const width = Number(polynomials[algorithm][0]) / 8;
  const out = new Uint8Array(width);
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** The CRC of the concatenation of parts, from each part's digest bytes and length. */
export function combineCrcs(
  algorithm: CrcAlgorithm,
  parts: { digest: Uint8Array; length: number }[],
): Uint8Array {
  let crc: bigint | undefined;
  for (const part of parts) {
    const value = crcFromBytes(part.digest);
    crc = crc === undefined ? value : crcCombine(algorithm, crc, value, part.length);
  }
  return crcToBytes(algorithm, crc ?? 0n);
}
