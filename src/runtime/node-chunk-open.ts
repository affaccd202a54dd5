import { createDecipheriv } from "node:crypto";
import type { SyncChunkOpen } from "../sse/chunks.ts";

/**
 * Opening sealed chunks with the runtime's native AES-GCM, synchronously: measured at about
 * three times WebCrypto's throughput here, and without a promise per 64 KiB chunk. The format
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
