import { deriveSigningKey } from "../lib/sigv4-signing-key.ts";

const maxEntries = 1024;
const cache = new Map<string, CryptoKey | Promise<CryptoKey>>();

/**
 * The SigV4 signing key of a secret for one day, region and service, derived once and kept in a
 * small bounded map (oldest entries go first). Returns the key itself when it is cached, so the
 * hot path takes no extra async hop.
 */
export function signingKeyFor(
  secretAccessKey: string,
  day: string,
  region: string,
  service: string,
): CryptoKey | Promise<CryptoKey> {
  const id = `${day}/${region}/${service}/${secretAccessKey}`;
  const hit = cache.get(id);
  if (hit !== undefined) return hit;
  const pending: Promise<CryptoKey> = deriveSigningKey(secretAccessKey, day, region, service).then(
    (key) => {
      if (cache.get(id) === pending) cache.set(id, key);
      return key;
    },
    (error: unknown) => {
      if (cache.get(id) === pending) cache.delete(id);
      throw error;
    },
  );
  if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
  cache.set(id, pending);
  return pending;
}
