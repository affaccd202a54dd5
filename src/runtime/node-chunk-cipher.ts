import { createCipheriv, createDecipheriv } from "node:crypto";
import type { SyncChunkOpen, SyncChunkSeal } from "../sse/chunks.ts";

/**
 * Opening and sealing chunks with the runtime's native AES-GCM, synchronously: without a
 * promise per 64 KiB chunk, a host spends about a third less CPU per encrypted GET. The format
 * is the Web-standard one of src/sse/chunks.ts; the edge worker keeps WebCrypto.
 */
export const nodeChunkOpen: SyncChunkOpen = (rawKey, iv, additionalData, ciphertext, tag) => {
  const decipher = createDecipheriv("aes-256-gcm", rawKey, iv);
  decipher.setAAD(additionalData);
  decipher.setAuthTag(tag);
  const plain = decipher.update(ciphertext);
  try {
    decipher.final();
  } catch {
    return undefined;
  }
  return new Uint8Array(plain.buffer as ArrayBuffer, plain.byteOffset, plain.length);
};

export const nodeChunkSeal: SyncChunkSeal = (rawKey, iv, additionalData, plain, out, at) => {
  const cipher = createCipheriv("aes-256-gcm", rawKey, iv);
  cipher.setAAD(additionalData);
  const head = cipher.update(plain);
  const tail = cipher.final();
  out.set(head, at);
  out.set(tail, at + head.length);
  out.set(cipher.getAuthTag(), at + head.length + tail.length);
};
