/**
 * Data keys: every encrypted object gets 32 random bytes of its own, stored only wrapped
 * (AES-256-GCM, random 12-byte IV, output IV || ciphertext || tag) under a master key
 * (SSE-S3) or under the customer's key (SSE-C). Unwrapping with any other key fails the GCM
 * tag, which is what proves that a later request brings the same customer key: nothing
 * about that key is stored.
 */
import { SealError } from "./chunks.ts";

/** S3: SSE-S3 master key; C: the customer's key; KMS: a version of a named KMS key. */
export type SseMode = "S3" | "C" | "KMS";

const WRAP_CONTEXT: Record<SseMode, Uint8Array<ArrayBuffer>> = {
  S3: new TextEncoder().encode("s3dir sse-s3 data key v1"),
  C: new TextEncoder().encode("s3dir sse-c data key v1"),
  KMS: new TextEncoder().encode("s3dir sse-kms data key v1"),
};

/** The authenticated data of a wrap: the mode's label, then `bound` (a KMS key and encryption context). */
function wrapContext(mode: SseMode, bound: string | undefined): Uint8Array<ArrayBuffer> {
  const label = WRAP_CONTEXT[mode];
  if (bound === undefined) return label;
  const extra = new TextEncoder().encode(bound);
  const out = new Uint8Array(label.length + 1 + extra.length);
  out.set(label);
  out.set(extra, label.length + 1);
  return out;
}

export function newDataKey(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(32));
}

/** An AES-256-GCM key for sealing chunks or wrapping keys. */
export function aesKey(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== 32) throw new Error("AES-256 keys are 32 bytes");
  return crypto.subtle.importKey("raw", raw as Uint8Array<ArrayBuffer>, "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
}

export async function wrapDataKey(
  wrappingKey: Uint8Array,
  mode: SseMode,
  dataKey: Uint8Array,
  bound?: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: wrapContext(mode, bound) },
    await aesKey(wrappingKey),
    dataKey as Uint8Array<ArrayBuffer>,
  );
  const out = new Uint8Array(12 + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), 12);
  return out;
}

/** The data key, or SealError when `wrappingKey` is not the key it was wrapped with. */
export async function unwrapDataKey(
  wrappingKey: Uint8Array,
  mode: SseMode,
  wrapped: Uint8Array,
  bound?: string,
): Promise<Uint8Array<ArrayBuffer>> {
  if (wrapped.length !== 12 + 32 + 16) throw new SealError("malformed wrapped key");
  try {
    const raw = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: wrapped.slice(0, 12), additionalData: wrapContext(mode, bound) },
      await aesKey(wrappingKey),
      wrapped.slice(12),
    );
    return new Uint8Array(raw);
  } catch {
    throw new SealError("the key does not unwrap this object's data key");
  }
}

/**
 * The ETag of an SSE-C object: not the MD5 of its plaintext (which would let anyone test a
 * guess of the content) but a digest of it keyed by the object's secret data key.
 */
export async function opaqueEtag(dataKey: Uint8Array, plainMd5Hex: string): Promise<string> {
  const input = new Uint8Array(32 + plainMd5Hex.length);
  input.set(dataKey);
  input.set(new TextEncoder().encode(plainMd5Hex), 32);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", input));
  return Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
