import { hmacSha256, importHmacKey } from "./hmac.ts";

/**
 * Derives the SigV4 signing key (kSigning) for a secret, a day (yyyymmdd), a region and a service,
 * imported as an HMAC-SHA256 CryptoKey ready to sign strings to sign.
 */
export async function deriveSigningKey(
  secretAccessKey: string,
  day: string,
  region: string,
  service: string,
): Promise<CryptoKey> {
  let key = await importHmacKey(`AWS4${secretAccessKey}`);
  for (const part of [day, region, service, "aws4_request"]) {
    key = await importHmacKey(await hmacSha256(key, part));
  }
  return key;
}
