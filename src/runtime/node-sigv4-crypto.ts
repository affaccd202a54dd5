import type { SigningKey, SigV4Crypto } from "../auth/sigv4-crypto.ts";
import { hmacSha256, sha256Hex } from "./hasher.ts";

const maxSecrets = 1024;
/** Scopes kept per secret: S3 and the STS or IAM endpoint, across a change of day. */
const maxScopesPerSecret = 4;

interface DerivedKey {
  day: string;
  region: string;
  service: string;
  key: Uint8Array;
}

/**
 * Derived keys by secret, most recent first: a look-up by the credential's own secret string
 * costs less than one by a string made of the secret and the scope on every request.
 */
const keys = new Map<string, DerivedKey[]>();

function deriveKey(secretAccessKey: string, day: string, region: string, service: string): Uint8Array {
  let derived = keys.get(secretAccessKey);
  if (derived) {
    for (const d of derived) if (d.day === day && d.region === region && d.service === service) return d.key;
  } else {
    if (keys.size >= maxSecrets) keys.delete(keys.keys().next().value!);
    derived = [];
    keys.set(secretAccessKey, derived);
  }
  let key: Uint8Array = Buffer.from(`AWS4${secretAccessKey}`, "utf8");
  for (const part of [day, region, service, "aws4_request"]) key = hmacSha256(key, part);
  derived.unshift({ day, region, service, key });
  if (derived.length > maxScopesPerSecret) derived.pop();
  return key;
}

/**
 * SigV4 primitives on the runtime's synchronous crypto: a request's verification then costs
 * two microseconds instead of two async WebCrypto round trips.
 */
export const nodeSigV4Crypto: SigV4Crypto = {
  signingKey: deriveKey,
  hmacHex: (key: SigningKey, data: string) => hmacSha256(key as Uint8Array, data, "hex"),
  sha256Hex,
};
