/** Bucket names, object keys and the UTF-8 byte order S3 lists them in. */
import { StorageError } from "../errors.ts";
import { ALT_PREFIX, isAltDiskKey } from "./alt-keys.ts";

/** The reserved directory name: `<root>/.s3dir` and `<bucket>/.s3dir`. */
export const RESERVED = ".s3dir";

export const MAX_KEY_BYTES = 1024;
export const MAX_SEGMENT_BYTES = 255;

const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ipShaped = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** Prefixes and suffixes S3 keeps for its own names (punycode, access point and Object Lambda aliases). */
const reservedBucketAffix = /^(xn--|sthree-)|(-s3alias|--ol-s3)$/;

/** S3's rules for bucket names; a directory of the root whose name breaks them is not a bucket. */
export function isValidBucketName(name: string): boolean {
  return (
    bucketPattern.test(name) &&
    !name.includes("..") &&
    !ipShaped.test(name) &&
    !reservedBucketAffix.test(name)
  );
}

/**
 * Rules S3 applies only when a bucket is made: no label may start or end with a hyphen, and the
 * names kept for demos, Multi-Region Access Points, directory buckets and table buckets. A directory
 * already in the root with such a name stays a bucket, so that nothing served before disappears.
 */
const labelEdgeHyphen = /\.-|-\./;
const reservedNewBucketAffix = /^amzn-s3-demo-|(\.mrap|--x-s3|--table-s3)$/;

export function checkBucketName(name: string): void {
  if (!isValidBucketName(name) || labelEdgeHyphen.test(name) || reservedNewBucketAffix.test(name))
    throw new StorageError("InvalidBucketName", `invalid bucket name: ${name}`);
}

const encoder = new TextEncoder();
/** With the u flag a paired surrogate is one code point: this matches only lone halves. */
const loneSurrogate = /[\uD800-\uDFFF]/u;

/** UTF-8 length without allocating. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** True for keys naming a directory object ("a/b/"). */
export function isDirectoryKey(key: string): boolean {
  return key.endsWith("/");
}

/**
 * Validates a key for a write: non-empty, well-formed UTF-16 (so valid UTF-8), ≤ 1024 bytes,
 * segments ≤ 255 bytes, no NUL, no empty/"."/".." segment, first segment not ".s3dir".
 * A trailing "/" (directory object) is allowed.
 */
export function checkKey(key: string): void {
  if (key.startsWith(ALT_PREFIX) && isAltDiskKey(key)) return;
  if (key.length === 0) throw new StorageError("InvalidKey", "empty key");
  if (loneSurrogate.test(key) || key.includes("\0"))
    throw new StorageError("InvalidKey", "key is not valid UTF-8");
  if (key.length > MAX_KEY_BYTES / 3 && utf8Length(key) > MAX_KEY_BYTES) {
    throw new StorageError("KeyTooLong", "key longer than 1024 bytes");
  }
  const body = isDirectoryKey(key) ? key.slice(0, -1) : key;
  const segments = body.split("/");
  for (const seg of segments) {
    if (seg === "" || seg === "." || seg === "..")
      throw new StorageError("InvalidKey", `invalid key segment in ${key}`);
    if (seg.length > MAX_SEGMENT_BYTES / 3 && encoder.encode(seg).length > MAX_SEGMENT_BYTES) {
      throw new StorageError("KeyTooLong", "key segment longer than 255 bytes");
    }
  }
  if (segments[0] === RESERVED) throw new StorageError("InvalidKey", "reserved key prefix");
}

/**
 * S3's rules for a key: non-empty, valid UTF-8 without NUL, ≤ 1024 bytes. Segments "." and
 * ".." stay refused: the HTTP server resolves them before a handler sees the path, so such
 * a key could be written but never read back.
 */
export function checkS3Key(key: string): void {
  if (key.length === 0) throw new StorageError("InvalidKey", "empty key");
  if (loneSurrogate.test(key) || key.includes("\0"))
    throw new StorageError("InvalidKey", "key is not valid UTF-8");
  if (key.length > MAX_KEY_BYTES / 3 && utf8Length(key) > MAX_KEY_BYTES) {
    throw new StorageError("KeyTooLong", "key longer than 1024 bytes");
  }
  for (const seg of key.split("/")) {
    if (seg === "." || seg === "..") throw new StorageError("InvalidKey", `invalid key segment in ${key}`);
  }
}

/** True when key (valid for S3) also has a plain path: checkKey accepts it. */
export function isPlainKey(key: string): boolean {
  try {
    checkKey(key);
    return !key.startsWith(ALT_PREFIX);
  } catch {
    return false;
  }
}

/** Like checkKey, for reads: any invalid key is simply absent. */
export function checkReadKey(key: string): void {
  try {
    checkKey(key);
  } catch {
    throw new StorageError("NoSuchKey");
  }
}

/** Code-point order of two UTF-16 strings, which equals the byte order of their UTF-8 forms. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (D800–DFFF) encode code points above FFFF: they sort after E000–FFFF.
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}
