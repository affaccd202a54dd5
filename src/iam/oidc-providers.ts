import { stat } from "node:fs/promises";
import { createRemoteJWKSet, decodeJwt, errors, type JWTPayload, jwtVerify } from "jose";
import { listOidcProviders } from "./oidc-admin.ts";
import { discoverOidc } from "./oidc-discovery.ts";
import type { OidcProviderRecord } from "./oidc-records.ts";
import { oidcProvidersDir } from "./oidc-records.ts";

/** Why a web identity token was refused, as STS names it. */
export type WebIdentityErrorCode =
  | "InvalidIdentityToken"
  | "ExpiredTokenException"
  | "IDPCommunicationError"
  | "IDPRejectedClaim";

export class WebIdentityError extends Error {
  constructor(
    readonly code: WebIdentityErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A token whose signature, issuer, audience and times checked out. */
export interface VerifiedWebIdentity {
  provider: OidcProviderRecord;
  claims: JWTPayload & { sub: string; iss: string };
  /** The audience the token was accepted for (its `aud`, or the first one). */
  audience: string;
}

const revalidateMs = 1000;
/**
 * A token naming a key id the cached set lacks makes jose fetch the JWKS again, at most once in
 * this window: a rotated key is accepted within seconds, and forged kids cannot flood the provider.
 */
export const jwksCooldownMs = 2000;
/** Clock skew allowed on exp, nbf and iat, as small as the S3 signature's window is large. */
const clockToleranceSeconds = 60;

interface Keys {
  jwks: ReturnType<typeof createRemoteJWKSet>;
  algorithms: string[];
}

/**
 * The configured OIDC providers, re-read at most once a second (one stat of their directory), and
 * for each the discovered JWKS: jose's remote key set caches the keys and fetches again when a
 * token names a key id it does not hold, so a provider's key rotation is followed without restart.
 */
export function createOidcVerifier(root: string, now: () => number = Date.now) {
  let cached: { records: OidcProviderRecord[]; stamp: string; checkedAt: number } | undefined;
  const keysByIssuer = new Map<string, Promise<Keys>>();

  async function providers(): Promise<OidcProviderRecord[]> {
    const t = now();
    if (cached && t - cached.checkedAt < revalidateMs) return cached.records;
    const s = await stat(oidcProvidersDir(root), { bigint: true }).catch(() => undefined);
    const stamp = s ? `${s.ino}:${s.mtimeNs}` : "";
    if (!cached || cached.stamp !== stamp) {
      cached = { records: stamp ? await listOidcProviders(root) : [], stamp, checkedAt: t };
    } else cached.checkedAt = t;
    return cached.records;
  }

  function keysOf(issuer: string): Promise<Keys> {
    let keys = keysByIssuer.get(issuer);
    if (!keys) {
      keys = discoverOidc(issuer).then((config) => ({
        jwks: createRemoteJWKSet(new URL(config.jwksUri), {
          timeoutDuration: 10_000,
          cooldownDuration: jwksCooldownMs,
        }),
        algorithms: config.algorithms,
      }));
      // A failed discovery is tried again at the next token.
      keys.catch(() => keysByIssuer.delete(issuer));
      keysByIssuer.set(issuer, keys);
    }
    return keys;
  }

  return async function verifyWebIdentity(token: string): Promise<VerifiedWebIdentity> {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw new WebIdentityError("InvalidIdentityToken", "The web identity token is not a well-formed JWT.");
    }
    const iss = unverified.iss;
    const provider = (await providers()).find((p) => p.issuer === iss);
    if (typeof iss !== "string" || !provider) {
      throw new WebIdentityError(
        "InvalidIdentityToken",
        `No OpenIDConnect provider found for ${typeof iss === "string" ? iss : "a token without iss"}`,
      );
    }
    let keys: Keys;
    try {
      keys = await keysOf(provider.issuer);
    } catch (e) {
      throw new WebIdentityError(
        "IDPCommunicationError",
        `Could not read the OpenID configuration of ${provider.issuer}: ${e instanceof Error ? e.message : e}`,
      );
    }
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, keys.jwks, {
        issuer: provider.issuer,
        algorithms: keys.algorithms,
        clockTolerance: clockToleranceSeconds,
        currentDate: new Date(now()),
        requiredClaims: ["sub", "exp", "iat"],
      }));
    } catch (e) {
      throw refusal(e);
    }
    // jose checks iat only together with a maximum age; a token from the future is refused here.
    if (typeof claims.iat === "number" && claims.iat > now() / 1000 + clockToleranceSeconds)
      throw new WebIdentityError("InvalidIdentityToken", "The token's iat claim is in the future.");
    const auds = typeof claims.aud === "string" ? [claims.aud] : (claims.aud ?? []);
    const accepted =
      provider.clientIds.length === 0 ? auds : auds.filter((a) => provider.clientIds.includes(a));
    if (accepted.length === 0) throw new WebIdentityError("InvalidIdentityToken", "Incorrect token audience");
    return {
      provider,
      claims: claims as VerifiedWebIdentity["claims"],
      audience: accepted[0]!,
    };
  };
}

function refusal(e: unknown): WebIdentityError {
  if (e instanceof errors.JWTExpired)
    return new WebIdentityError("ExpiredTokenException", "Token expired: the current time is past its exp.");
  if (e instanceof errors.JWKSTimeout || (e instanceof errors.JOSEError && e.code === "ERR_JOSE_GENERIC"))
    return new WebIdentityError(
      "IDPCommunicationError",
      `The provider's keys could not be fetched: ${e.message}`,
    );
  if (e instanceof errors.JWTClaimValidationFailed)
    return new WebIdentityError(
      "InvalidIdentityToken",
      `The token's ${e.claim} claim is not valid: ${e.message}`,
    );
  if (e instanceof errors.JWKSNoMatchingKey)
    return new WebIdentityError("InvalidIdentityToken", "No key of the provider matches the token's kid.");
  if (e instanceof errors.JOSEError)
    return new WebIdentityError("InvalidIdentityToken", "The token's signature could not be verified.");
  if (e instanceof TypeError || (e instanceof Error && e.name === "AbortError"))
    return new WebIdentityError(
      "IDPCommunicationError",
      `The provider's keys could not be fetched: ${e.message}`,
    );
  return new WebIdentityError("InvalidIdentityToken", "The web identity token could not be validated.");
}
