const encoder = new TextEncoder();
const algorithm = { name: "HMAC", hash: "SHA-256" } as const;

/** Imports raw bytes (or a UTF-8 string) as an HMAC-SHA256 signing key. */
export function importHmacKey(raw: string | Uint8Array | ArrayBuffer): Promise<CryptoKey> {
  const bytes = typeof raw === "string" ? encoder.encode(raw) : raw;
  return crypto.subtle.importKey("raw", bytes as Uint8Array<ArrayBuffer>, algorithm, false, ["sign"]);
}

/** HMAC-SHA256 of a string (as UTF-8) or of bytes. */
export function hmacSha256(key: CryptoKey, data: string | Uint8Array): Promise<ArrayBuffer> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return crypto.subtle.sign("HMAC", key, bytes as Uint8Array<ArrayBuffer>);
}
