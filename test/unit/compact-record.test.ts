import { describe, expect, test } from "bun:test";
import { checksumAlgorithms } from "../../src/lib/checksum-algorithm.ts";
import { decodeRecord, encodeRecord, type MetadataRecord } from "../../src/storage/metadata/record.ts";

const etag = "91bba24e9e4912e823c00920ced3e85c";
/** The record of a 4 KiB PutObject from @aws-sdk/client-s3 with default settings. */
const sdkRecord: MetadataRecord = {
  v: 1,
  s: 4096,
  m: "1796538026957479008",
  i: "2154917",
  e: etag,
  h: { ct: "application/octet-stream" },
  k: { algorithm: "CRC32", value: "W9a2Vw==", type: "FULL_OBJECT" },
};
const digestBytes = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 } as const;
const digestOf = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff));

const jsonOf = (rec: MetadataRecord) => new TextEncoder().encode(JSON.stringify(rec));
/** What decoding the JSON of the same record gives: the shape every caller already knows. */
const viaJson = (rec: MetadataRecord) => decodeRecord(jsonOf(rec));

function expectCompactRoundTrip(rec: MetadataRecord): Uint8Array {
  const bytes = encodeRecord(rec, true);
  expect(bytes[0]).toBe(0xff);
  expect(decodeRecord(bytes)).toEqual(viaJson(rec)!);
  expect(decodeRecord(bytes)).toEqual(rec);
  return bytes;
}

describe("compact metadata records", () => {
  test("the records of SDK, AWS CLI and boto3 PUTs of a small file fit in 64 bytes", () => {
    expect(expectCompactRoundTrip(sdkRecord).length).toBeLessThanOrEqual(64);
    // boto3 put_object sends no Content-Type
    const { h: _, ...boto } = sdkRecord;
    expect(expectCompactRoundTrip(boto).length).toBeLessThanOrEqual(64);
    // aws s3 cp of a .txt file: the type guessed from the name
    expect(expectCompactRoundTrip({ ...sdkRecord, h: { ct: "text/plain" } }).length).toBeLessThanOrEqual(64);
    // a 20-byte type that has no code
    const inline = { ...sdkRecord, h: { ct: "application/x-foobar" } };
    expect(expectCompactRoundTrip(inline).length).toBeLessThanOrEqual(64);
    expect(JSON.stringify(sdkRecord).length).toBeGreaterThan(64);
  });

  test("round trips: with and without a content type, coded or inline", () => {
    const base: MetadataRecord = { v: 1, s: 3, m: "1", i: "2", e: etag };
    for (const h of [undefined, { ct: "text/plain" }, { ct: "" }, { ct: "x/ü-ñ" }, { ct: "a".repeat(255) }]) {
      expectCompactRoundTrip(h ? { ...base, h } : base);
    }
  });

  test("round trips: every checksum algorithm, full-object and composite", () => {
    for (const algorithm of checksumAlgorithms) {
      for (const type of ["FULL_OBJECT", "COMPOSITE"] as const) {
        const value = digestOf(digestBytes[algorithm]).toString("base64");
        expectCompactRoundTrip({ ...sdkRecord, k: { algorithm, value, type } });
      }
    }
  });

  test("round trips: sizes 0 and beyond 2^32, mtimes and inodes beyond 2^53", () => {
    for (const s of [
      0,
      1,
      127,
      128,
      16383,
      16384,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 32 + 5,
      Number.MAX_SAFE_INTEGER,
    ]) {
      expectCompactRoundTrip({ ...sdkRecord, s });
    }
    const big = (2n ** 64n - 1n).toString();
    const aboveDoubles = (2n ** 53n + 1n).toString();
    for (const m of ["0", aboveDoubles, big]) expectCompactRoundTrip({ ...sdkRecord, m });
    for (const i of ["0", aboveDoubles, big, "13835058055282163713"])
      expectCompactRoundTrip({ ...sdkRecord, i });
  });

  test("records with anything else stay JSON and decode as before", () => {
    const stayJson: MetadataRecord[] = [
      { ...sdkRecord, u: { a: "b" } },
      { ...sdkRecord, g: [["k", "v"]] },
      { ...sdkRecord, a: { o: "owner", g: [["id", "READ"]] } },
      { ...sdkRecord, e: `${etag}-2`, p: 2, q: { s: [[2, 5242880]] } },
      { v: 1, x: 1 } as MetadataRecord,
      { ...sdkRecord, n: "0mabcdefg0000abcdef0123456789" },
      { ...sdkRecord, o: { h: 1 } },
      { ...sdkRecord, y: { p: 10 } },
      { ...sdkRecord, d: 1, t: 1765000000000 },
      { ...sdkRecord, h: { ct: "text/plain", cc: "no-cache" } },
      { ...sdkRecord, h: { ct: "a".repeat(256) } },
      { ...sdkRecord, h: { ct: "\ud800" } },
      { ...sdkRecord, e: etag.toUpperCase() },
      { ...sdkRecord, e: "abc" },
      { ...sdkRecord, m: "0123" },
      { ...sdkRecord, m: "" },
      { ...sdkRecord, i: (2n ** 64n).toString() },
      { ...sdkRecord, s: -1 },
      { ...sdkRecord, s: 2 ** 53 },
      { ...sdkRecord, s: 1.5 },
      { ...sdkRecord, k: { algorithm: "CRC32", value: "W9a2Vw==-3", type: "COMPOSITE" } },
      { ...sdkRecord, k: { algorithm: "CRC32", value: "W9a2Vw", type: "FULL_OBJECT" } },
      { ...sdkRecord, k: { algorithm: "CRC32", value: "W9a2VwAA", type: "FULL_OBJECT" } },
    ];
    for (const rec of stayJson) {
      const bytes = encodeRecord(rec, true);
      expect(bytes[0]).toBe("{".charCodeAt(0));
      expect(decodeRecord(bytes)).toEqual(viaJson(rec)!);
    }
    const sse = { ...sdkRecord, z: { a: "AES256" } } as unknown as MetadataRecord;
    expect(encodeRecord(sse, true)[0]).toBe("{".charCodeAt(0));
  });

  test("where compact records are not allowed, the same record is written as JSON", () => {
    const bytes = encodeRecord(sdkRecord, false);
    expect(bytes[0]).toBe("{".charCodeAt(0));
    expect(decodeRecord(bytes)).toEqual(sdkRecord);
  });

  test("JSON records written before the compact form still decode", () => {
    const old =
      '{"v":1,"s":4096,"m":"1796538026957479008","i":"2154917","e":"91bba24e9e4912e823c00920ced3e85c","h":{"ct":"application/octet-stream"},"k":{"algorithm":"CRC32","value":"W9a2Vw==","type":"FULL_OBJECT"}}';
    expect(decodeRecord(new TextEncoder().encode(old))).toEqual(sdkRecord);
  });

  test("every truncation of a compact record, and every byte added to one, is no record", () => {
    for (const rec of [
      sdkRecord,
      { ...sdkRecord, h: { ct: "application/x-foobar" } },
      { ...sdkRecord, s: 2 ** 40 },
    ]) {
      const bytes = encodeRecord(rec, true);
      for (let n = 1; n < bytes.length; n++) expect(decodeRecord(bytes.subarray(0, n))).toBeUndefined();
      for (const extra of [0, 1, 0xff]) expect(decodeRecord(Uint8Array.of(...bytes, extra))).toBeUndefined();
    }
  });

  test("hostile compact byte strings are no record", () => {
    const good = encodeRecord(sdkRecord, true);
    const withByte = (at: number, value: number) => {
      const copy = Uint8Array.from(good);
      copy[at] = value;
      return copy;
    };
    // 35: the size (4096: 0x80 0x20), 37: the content type code, 38: the checksum code
    const prefix = Array.from(good.subarray(0, 35));
    const withTail = (...tail: number[]) => Uint8Array.of(...prefix, ...tail);
    const inlineFlags = (...tail: number[]) => Uint8Array.of(0xff, 1, 0b010, ...prefix.slice(3), ...tail);
    const cases: [string, Uint8Array][] = [
      ["the mark alone", Uint8Array.of(0xff)],
      ["an unknown format version", withByte(1, 2)],
      ["format version 0", withByte(1, 0)],
      ["unknown flag bits", withByte(2, good[2]! | 0x08)],
      ["content-type kind 3", withByte(2, (good[2]! & ~3) | 3)],
      ["content-type code 0", withByte(37, 0)],
      ["a content-type code past the list", withByte(37, 0xfe)],
      ["checksum algorithm 0", withByte(38, 0)],
      ["checksum algorithm 6", withByte(38, 6)],
      ["unknown checksum code bits", withByte(38, 0x11)],
      [
        "a size that never ends",
        withTail(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 1, 1, 0, 0, 0, 0),
      ],
      ["a size in a longer form than needed", withTail(0x80, 0x20, 0x00)],
      ["a size of 2^53", withTail(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10, 1, 1, 0, 0, 0, 0)],
      ["an inline type longer than what is there", inlineFlags(0x05, 0x10, "a".charCodeAt(0))],
      ["an inline type that is not UTF-8", inlineFlags(0x05, 0x02, 0xc3, 0x28)],
      ["a checksum shorter than its algorithm", withTail(0x80, 0x20, 1, 4, 1, 2)],
      ["a checksum longer than its algorithm", withTail(0x80, 0x20, 1, 1, 1, 2, 3, 4, 5)],
      [
        "only the fixed fields of a record with a checksum",
        Uint8Array.of(...prefix.slice(0, 2), 0b100, ...prefix.slice(3), 5),
      ],
    ];
    for (const [what, bytes] of cases) {
      expect({ what, rec: decodeRecord(bytes) }).toEqual({ what, rec: undefined });
    }
    // a UTF-8 byte-order mark before JSON is still read as before; before the mark it is no record
    expect(decodeRecord(Uint8Array.of(0xef, 0xbb, 0xbf, ...good))).toBeUndefined();
  });
});
