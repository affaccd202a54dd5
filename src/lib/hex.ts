const byteToHex: string[] = [];
for (let i = 0; i < 256; i++) byteToHex.push(i.toString(16).padStart(2, "0"));

/** Lowercase hex of some bytes. */
export function toHex(data: ArrayBuffer | Uint8Array): string {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += byteToHex[bytes[i]!];
  return out;
}

const lowerHex64 = /^[0-9a-f]{64}$/;

/** True for exactly 64 lowercase hex digits (a SHA-256 or HMAC-SHA256 in hex). */
export function isLowerHex64(value: string): boolean {
  return value.length === 64 && lowerHex64.test(value);
}
