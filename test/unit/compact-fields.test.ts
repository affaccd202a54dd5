import { describe, expect, test } from "bun:test";
import {
  readBase64,
  readDecimalU64,
  readHex,
  writeBase64,
  writeDecimalU64,
  writeHex,
} from "../../src/storage/metadata/compact-fields.ts";

/** u64 values around every power of two and of ten, and a fixed pseudo-random walk. */
function u64Samples(): bigint[] {
  const values = new Set<bigint>([0n, 1n, 2n ** 64n - 1n]);
  for (let bit = 1n; bit < 64n; bit++) for (const d of [-1n, 0n, 1n]) values.add((1n << bit) + d);
  for (let e = 1n; e < 20n; e++) for (const d of [-1n, 0n, 1n]) values.add(10n ** e + d);
  let x = 0x9e3779b97f4a7c15n;
  for (let i = 0; i < 2000; i++) {
    x = (x * 6364136223846793005n + 1442695040888963407n) & (2n ** 64n - 1n);
    values.add(x);
    values.add(x >> BigInt(i % 64));
  }
  return [...values];
}

describe("compact record fields", () => {
  test("u64: every sample written from its decimal string reads back the same, as little-endian", () => {
    const out = new Uint8Array(16);
    const view = new DataView(out.buffer);
    for (const value of u64Samples()) {
      expect(writeDecimalU64(out, 4, value.toString())).toBe(true);
      expect(view.getBigUint64(4, true)).toBe(value);
      expect(readDecimalU64(out, 4)).toBe(value.toString());
    }
  });

  test("u64: anything but a canonical decimal below 2^64 is refused", () => {
    const out = new Uint8Array(8);
    const refused = [
      "",
      "-1",
      "+1",
      "01",
      "00",
      " 1",
      "1 ",
      "1e5",
      "1.0",
      "0x10",
      "١",
      "18446744073709551616",
    ];
    refused.push("99999999999999999999", "100000000000000000000", "1844674407370955161a");
    for (const text of refused)
      expect({ text, ok: writeDecimalU64(out, 0, text) }).toEqual({ text, ok: false });
  });

  test("hex: lowercase digits only, exact length", () => {
    const out = new Uint8Array(4);
    expect(writeHex(out, 0, "00ff7a10", 4)).toBe(true);
    expect(readHex(out, 0, 4)).toBe("00ff7a10");
    for (const text of ["00FF7A10", "00ff7a1", "00ff7a100", "00ff7g10", "00ff7a1 "]) {
      expect({ text, ok: writeHex(out, 0, text, 4) }).toEqual({ text, ok: false });
    }
  });

  test("base64: canonical padded strings of every length round-trip; other spellings are refused", () => {
    const out = new Uint8Array(40);
    for (let length = 1; length <= 32; length++) {
      const digest = Buffer.from(Array.from({ length }, (_, i) => (i * 73 + length * 31) & 0xff));
      const text = digest.toString("base64");
      expect(writeBase64(out, 3, text, length)).toBe(true);
      expect(Buffer.from(out.subarray(3, 3 + length))).toEqual(digest);
      expect(readBase64(out, 3, length)).toBe(text);
    }
    const refused = [
      "W9a2Vw",
      "W9a2Vw=",
      "W9a2Vx==",
      "W9a2Vw==A",
      "W9a2V===",
      "W9a-Vw==",
      "W9a2Vwé=",
      "W9=2Vw==",
    ];
    for (const text of refused)
      expect({ text, ok: writeBase64(out, 0, text, 4) }).toEqual({ text, ok: false });
  });
});
