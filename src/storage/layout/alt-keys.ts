/**
 * Keys a file tree cannot hold as a plain path ("non-POSIX" keys): `a/b` while `a` is a file
 * (or `a` while `a/` holds objects), `a/` with data, empty segments (`a//b`, `/a`), segments
 * over 255 bytes, and keys whose first segment is `.s3dir`. Each is stored under a derived
 * name in the bucket's alternate area, `<bucket>/.s3dir/keys/`:
 *
 *   hex of the key's UTF-8 bytes, cut into directories of ALT_CHUNK hex digits, the rest
 *   (shorter than ALT_CHUNK, maybe empty) as a file named "k" + rest.
 *
 * Hex keeps byte order, so a walk of that tree in name order yields keys in S3 order
 * (alt-listing.ts), and `xxd -r -p` gives a POSIX user the key back. The area is part of the
 * bucket tree (its POSIX owner may change it, as any object of the bucket) and is reached with
 * the same verified, symlink-refusing opens as every other object path.
 */
/** keys.ts's RESERVED, repeated here: keys.ts imports this module. */
const RESERVED = ".s3dir";

/** Folder of the bucket directory holding the alternate area, as a key prefix. */
export const ALT_PREFIX = `${RESERVED}/keys/`;
/** Hex digits per directory level (a name of at most 255 bytes, "k" included for files). */
export const ALT_CHUNK = 254;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function toHex(s: string): string {
  let out = "";
  for (const b of encoder.encode(s)) out += HEX[b];
  return out;
}

export function fromHex(hex: string): string | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The path (relative to the bucket, a "disk key") of key in the alternate area. */
export function altDiskKey(key: string): string {
  const hex = toHex(key);
  let rel = ALT_PREFIX;
  let at = 0;
  for (; hex.length - at >= ALT_CHUNK; at += ALT_CHUNK) rel += `${hex.slice(at, at + ALT_CHUNK)}/`;
  return `${rel}k${hex.slice(at)}`;
}

const altShape = new RegExp(`^${RESERVED.replace(".", "\\.")}/keys/([0-9a-f]{${ALT_CHUNK}}/)*k[0-9a-f]*$`);

/** True for a disk key made by altDiskKey. */
export function isAltDiskKey(diskKey: string): boolean {
  return diskKey.startsWith(ALT_PREFIX) && altShape.test(diskKey);
}

/** The S3 key stored at an alternate disk key, undefined when it is not one. */
export function keyOfAltDiskKey(diskKey: string): string | undefined {
  if (!isAltDiskKey(diskKey)) return undefined;
  const levels = diskKey.slice(ALT_PREFIX.length).split("/");
  const leaf = (levels.pop() as string).slice(1);
  return fromHex(levels.join("") + leaf);
}
