/** OpenID Connect discovery: `<issuer>/.well-known/openid-configuration`. Web-standard fetch only. */

export interface OidcConfiguration {
  issuer: string;
  jwksUri: string;
  /** Signing algorithms the provider announces for ID tokens (RS256 when it says none). */
  algorithms: string[];
}

/** Asymmetric JWS algorithms only: an HMAC-signed "ID token" would be checked with a public value. */
const asymmetric = /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/;

export async function discoverOidc(issuer: string, timeoutMs = 10_000): Promise<OidcConfiguration> {
  const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "error" });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const doc = (await res.json()) as Record<string, unknown>;
  if (doc.issuer !== issuer)
    throw new Error(`${url}: issuer is ${JSON.stringify(doc.issuer)}, not ${issuer}`);
  if (typeof doc.jwks_uri !== "string") throw new Error(`${url}: no jwks_uri`);
  const announced = Array.isArray(doc.id_token_signing_alg_values_supported)
    ? doc.id_token_signing_alg_values_supported.filter((a): a is string => typeof a === "string")
    : ["RS256"];
  const algorithms = announced.filter((a) => asymmetric.test(a));
  return { issuer, jwksUri: doc.jwks_uri, algorithms: algorithms.length ? algorithms : ["RS256"] };
}
