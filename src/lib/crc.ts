/**
 * CRC32C (Castagnoli) and CRC64NVME in plain JS with slicing-by-8 tables (Web-standard, no
 * Node or Bun APIs). Both are reflected CRCs with init and final xor of all ones, as S3 uses
 * them; digests are the big-endian bytes that x-amz-checksum-* carries in base64.
 */

export interface IncrementalCrc {
  update(data: Uint8Array): void;
  /** Big-endian digest bytes (4 for CRC32C, 8 for CRC64NVME). */
  digest(): Uint8Array;
}

function crc32Tables(poly: number): Uint32Array[] {
  const t = Array.from({ length: 8 }, () => new Uint32Array(256));
  const t0 = t[0]!;
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t0[i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) {
    let c = t0[i]!;
    for (let k = 1; k < 8; k++) {
      c = t0[c & 0xff]! ^ (c >>> 8);
      t[k]![i] = c >>> 0;
    }
  }
  return t;
}

let c32: Uint32Array[] | undefined;

/** Updates a raw (not yet finalized) CRC32C register. */
function crc32cRaw(crc: number, data: Uint8Array): number {
  if (!c32) c32 = crc32Tables(0x82f63b78);
  const tables = c32;
  const [t0, t1, t2, t3, t4, t5, t6, t7] = tables as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  let i = 0;
  const n = data.length;
  const end8 = n - (n % 8);
  while (i < end8) {
    const a = crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    crc =
      t7[a & 0xff]! ^
      t6[(a >>> 8) & 0xff]! ^
      t5[(a >>> 16) & 0xff]! ^
      t4[a >>> 24]! ^
      t3[data[i + 4]!]! ^
      t2[data[i + 5]!]! ^
      t1[data[i + 6]!]! ^
      t0[data[i + 7]!]!;
    i += 8;
  }
  while (i < n) crc = t0[(crc ^ data[i++]!) & 0xff]! ^ (crc >>> 8);
  return crc >>> 0;
}

/** CRC32C of data; pass a previous result to continue it over more data. */
export function crc32c(data: Uint8Array, previous = 0): number {
  return (crc32cRaw(~previous >>> 0, data) ^ 0xffffffff) >>> 0;
}

export function createCrc32c(): IncrementalCrc {
  let crc = 0xffffffff;
  return {
    update(data) {
      crc = crc32cRaw(crc, data);
    },
    digest() {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, (crc ^ 0xffffffff) >>> 0);
      return out;
    },
  };
}

/** 64-bit tables stored as [lo, hi] 32-bit halves: tables[k][2*i], tables[k][2*i+1]. */
let c64: Uint32Array[] | undefined;

function crc64Tables(): Uint32Array[] {
  const polyLo = 0xac4bc9b5;
  const polyHi = 0x9a6c9329;
  const t = Array.from({ length: 8 }, () => new Uint32Array(512));
  const t0 = t[0]!;
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const bit = lo & 1;
      lo = ((lo >>> 1) | (hi << 31)) >>> 0;
      hi = hi >>> 1;
      if (bit) {
        lo = (lo ^ polyLo) >>> 0;
        hi = (hi ^ polyHi) >>> 0;
      }
    }
    t0[2 * i] = lo;
    t0[2 * i + 1] = hi;
  }
  for (let i = 0; i < 256; i++) {
    let lo = t0[2 * i]!;
    let hi = t0[2 * i + 1]!;
    for (let k = 1; k < 8; k++) {
      const idx = (lo & 0xff) * 2;
      lo = (((lo >>> 8) | (hi << 24)) ^ t0[idx]!) >>> 0;
      hi = ((hi >>> 8) ^ t0[idx + 1]!) >>> 0;
      t[k]![2 * i] = lo;
      t[k]![2 * i + 1] = hi;
    }
  }
  return t;
}

export function createCrc64Nvme(): IncrementalCrc {
  if (!c64) c64 = crc64Tables();
  const [t0, t1, t2, t3, t4, t5, t6, t7] = c64 as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  let lo = 0xffffffff;
  let hi = 0xffffffff;
  return {
    update(data) {
      let i = 0;
      const n = data.length;
      const end8 = n - (n % 8);
      let l = lo;
      let h = hi;
      while (i < end8) {
        const a = l ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
        const b = h ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24));
        const i7 = (a & 0xff) << 1;
        const i6 = ((a >>> 8) & 0xff) << 1;
        const i5 = ((a >>> 16) & 0xff) << 1;
        const i4 = (a >>> 24) << 1;
        const i3 = (b & 0xff) << 1;
        const i2 = ((b >>> 8) & 0xff) << 1;
        const i1 = ((b >>> 16) & 0xff) << 1;
        const i0 = (b >>> 24) << 1;
        l = t7[i7]! ^ t6[i6]! ^ t5[i5]! ^ t4[i4]! ^ t3[i3]! ^ t2[i2]! ^ t1[i1]! ^ t0[i0]!;
        h =
          t7[i7 + 1]! ^
          t6[i6 + 1]! ^
          t5[i5 + 1]! ^
          t4[i4 + 1]! ^
          t3[i3 + 1]! ^
          t2[i2 + 1]! ^
          t1[i1 + 1]! ^
          t0[i0 + 1]!;
        i += 8;
      }
      while (i < n) {
        const idx = ((l ^ data[i++]!) & 0xff) << 1;
        const nl = (l >>> 8) | (h << 24);
        l = nl ^ t0[idx]!;
        h = (h >>> 8) ^ t0[idx + 1]!;
      }
      lo = l >>> 0;
      hi = h >>> 0;
    },
    digest() {
      const out = new Uint8Array(8);
      const view = new DataView(out.buffer);
      view.setUint32(0, (hi ^ 0xffffffff) >>> 0);
      view.setUint32(4, (lo ^ 0xffffffff) >>> 0);
      return out;
    },
  };
}
