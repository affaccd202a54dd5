import { toHex } from "../lib/hex.ts";
import { hmacSha256 } from "../lib/hmac.ts";
import { sha256Hex } from "../lib/sha256.ts";
import { signingKeyFor } from "./signing-key-cache.ts";

/** A derived SigV4 signing key; what it is depends on the crypto that made it. */
export type SigningKey = CryptoKey | Uint8Array;

/**
 * The three primitives SigV4 verification needs. The default is WebCrypto (works everywhere,
 * including the edge); a server may inject a synchronous implementation, since each async
 * WebCrypto call costs tens of microseconds on every request.
 */
export interface SigV4Crypto {
  signingKey(
    secretAccessKey: string,
    day: string,
    region: string,
    service: string,
  ): SigningKey | Promise<SigningKey>;
  hmacHex(key: SigningKey, data: string): string | Promise<string>;
  sha256Hex(data: string | Uint8Array): string | Promise<string>;
}

export const webSigV4Crypto: SigV4Crypto = {
  signingKey: signingKeyFor,
  hmacHex: async (key, data) => toHex(await hmacSha256(key as CryptoKey, data)),
  sha256Hex,
};
