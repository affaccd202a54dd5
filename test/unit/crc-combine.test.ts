import { describe, expect, test } from "bun:test";
import { createCrc32c, createCrc64Nvme } from "../../src/lib/crc.ts";
import { combineCrcs, crcCombine, crcFromBytes, crcToBytes } from "../../src/lib/crc-combine.ts";

function crc(algorithm: "CRC32" | "CRC32C" | "CRC64NVME", data: Uint8Array): Uint8Array {
  if (algorithm === "CRC32") return crcToBytes("CRC32", BigInt(Bun.hash.crc32(data)));
  const c = algorithm === "CRC32C" ? createCrc32c() : createCrc64Nvme();
  c.update(data);
  return c.digest();
}

function pseudo(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe("CRC combination", () => {
  for (const algorithm of ["CRC32", "CRC32C", "CRC64NVME"] as const) {
    test(`${algorithm}: combining part CRCs equals the CRC of the concatenation`, () => {
      const sizes = [0, 1, 7, 8, 9, 1000, 65_537, 3, 0, 200_001];
      const parts = sizes.map((n, i) => pseudo(n, i + 1));
      const whole = Buffer.concat(parts);
      const combined = combineCrcs(
        algorithm,
        parts.map((p) => ({ digest: crc(algorithm, p), length: p.length })),
      );
      expect(Buffer.from(combined).toString("hex")).toBe(Buffer.from(crc(algorithm, whole)).toString("hex"));
    });

    test(`${algorithm}: pairwise combine, and digests round-trip through numbers`, () => {
      const a = pseudo(5000, 11);
      const b = pseudo(4321, 12);
      const joined = crcCombine(
        algorithm,
        crcFromBytes(crc(algorithm, a)),
        crcFromBytes(crc(algorithm, b)),
        b.length,
      );
      expect(joined).toBe(crcFromBytes(crc(algorithm, Buffer.concat([a, b]))));
      const digest = crc(algorithm, a);
      expect(crcToBytes(algorithm, crcFromBytes(digest))).toEqual(digest);
    });
  }

  test("10,000 parts of one size combine quickly (factors cached by length)", () => {
    const started = performance.now();
    const parts = Array.from({ length: 10_000 }, (_, i) => ({
      digest: crcToBytes("CRC64NVME", (BigInt(i) * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn),
      length: 5 * 1024 * 1024,
    }));
    combineCrcs("CRC64NVME", parts);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
