/**
 * The field codecs of compact records (compact-record.ts), written for their hot path: straight
 * into and out of the record's bytes, without Buffer or DataView objects per call. Each writer
 * refuses (returns false) a string that would not come back exactly the same from its bytes.
 */

const hexDigits = "0123456789abcdef";
const byteToHex: string[] = [];
for (let i = 0; i < 256; i++) byteToHex.push(hexDigits[i >> 4]! + hexDigits[i & 15]!);

const base64Digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const base64Value = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) base64Value[base64Digits.charCodeAt(i)] = i;

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** Writes `length` bytes from exactly 2 × length lowercase hex digits; false for anything else. */
export function writeHex(out: Uint8Array, at: number, hex: string, length: number): boolean {
  if (hex.length !== length * 2) return false;
  for (let i = 0; i < length; i++) {
    const high = hexValue(hex.charCodeAt(2 * i));
    const low = hexValue(hex.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) return false;
    out[at + i] = (high << 4) | low;
  }
  return true;
}

export function readHex(bytes: Uint8Array, at: number, length: number): string {
  let hex = "";
  for (let i = at; i < at + length; i++) hex += byteToHex[bytes[i]!];
  return hex;
}

/**
 * Writes the `length` bytes a canonical base64 string holds (padded, no spare bits set): the
 * form readBase64 gives back, so any other spelling of the same bytes is refused.
 */
export function writeBase64(out: Uint8Array, at: number, text: string, length: number): boolean {
  const groups = Math.ceil(length / 3);
  if (text.length !== groups * 4) return false;
  const padding = groups * 3 - length;
  for (let g = 0; g < groups; g++) {
    let bits = 0;
    const last = g === groups - 1;
    for (let c = 0; c < 4; c++) {
      const code = text.charCodeAt(g * 4 + c);
      const padded = last && c >= 4 - padding;
      const value = padded ? (code === 61 ? 0 : -1) : code < 128 ? base64Value[code]! : -1;
      if (value < 0) return false;
      bits = (bits << 6) | value;
    }
    const bytes = last ? 3 - padding : 3;
    // Canonical: the bits below the last byte written must be zero.
    if ((bits & ((1 << (8 * (3 - bytes))) - 1)) !== 0) return false;
    for (let b = 0; b < bytes; b++) out[at + g * 3 + b] = (bits >> (16 - 8 * b)) & 0xff;
  }
  return true;
}

export function readBase64(bytes: Uint8Array, at: number, length: number): string {
  let text = "";
  for (let i = at; i < at + length; i += 3) {
    const left = at + length - i;
    const bits = (bytes[i]! << 16) | ((left > 1 ? bytes[i + 1]! : 0) << 8) | (left > 2 ? bytes[i + 2]! : 0);
    text += base64Digits[bits >> 18]! + base64Digits[(bits >> 12) & 63]!;
    text += left > 1 ? base64Digits[(bits >> 6) & 63]! : "=";
    text += left > 2 ? base64Digits[bits & 63]! : "=";
  }
  return text;
}

const TWO_16 = 2 ** 16;
const TWO_32 = 2 ** 32;
const TEN_10 = 1e10;

function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = (value >>> 24) & 0xff;
}

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/** The value of decimal digits s[from, to), or -1 when one is not a digit. */
function digitsValue(s: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = s.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Writes a canonical decimal string (no sign, no leading zeros) below 2^64 as u64 little-endian.
 * Beyond 15 digits the value is split as high × 10^9 + low and carried through in 32-bit halves,
 * every intermediate below 2^53, so no BigInt is made on this path.
 */
export function writeDecimalU64(out: Uint8Array, at: number, decimal: string): boolean {
  const length = decimal.length;
  if (length === 0 || length > 20 || (length > 1 && decimal.charCodeAt(0) === 48)) return false;
  const split = length > 15 ? length - 9 : length;
  const head = digitsValue(decimal, 0, split);
  if (head < 0) return false;
  if (split === length) {
    const high = Math.floor(head / TWO_32);
    writeU32(out, at, head - high * TWO_32);
    writeU32(out, at + 4, high);
    return true;
  }
  const tail = digitsValue(decimal, split, length);
  if (tail < 0) return false;
  // value = head × 10^9 + tail = b × 2^16 + a
  const headLow = head % TWO_16;
  const a = headLow * 1e9 + tail;
  const b = ((head - headLow) / TWO_16) * 1e9;
  const bLow = b % TWO_16;
  const lowSum = bLow * TWO_16 + (a % TWO_32);
  const low = lowSum % TWO_32;
  const high = (b - bLow) / TWO_16 + Math.floor(a / TWO_32) + (lowSum - low) / TWO_32;
  if (high >= TWO_32) return false;
  writeU32(out, at, low);
  writeU32(out, at + 4, high);
  return true;
}

/**
 * The decimal string of a u64 little-endian. Beyond 2^53 the value is divided by 10^10 in 16-bit
 * limbs (every intermediate below 2^53), so no BigInt is made on this path.
 */
export function readDecimalU64(bytes: Uint8Array, at: number): string {
  const low = readU32(bytes, at);
  const high = readU32(bytes, at + 4);
  if (high < 0x200000) return (high * TWO_32 + low).toString();
  const limbs = [high >>> 16, high & 0xffff, low >>> 16, low & 0xffff];
  let quotient = 0;
  let rest = 0;
  for (const limb of limbs) {
    const current = rest * TWO_16 + limb;
    const digit = Math.floor(current / TEN_10);
    quotient = quotient * TWO_16 + digit;
    rest = current - digit * TEN_10;
  }
  return quotient.toString() + rest.toString().padStart(10, "0");
}
