/**
 * Request authentication: SigV4 header signatures and presigned URLs, for S3 (and STS/IAM when the
 * caller allows those services), and SigV2's for S3 (sigv2.ts). Web-standard only: runs unchanged
 * in the edge worker.
 */

import { headerText } from "../lib/header-text.ts";
import { EMPTY_SHA256_HEX } from "../lib/sha256.ts";
import {
  canonicalHeaderValue,
  canonicalQuery,
  canonicalUri,
  parseQuery,
  type QueryParam,
  stringToSign,
} from "../lib/sigv4-canonical.ts";
import { timingSafeEqual } from "../lib/timing-safe-equal.ts";
import { AuthError } from "./errors.ts";
import { lookupCredential } from "./lookup-credential.ts";
import { parsePayloadMode, UNSIGNED_PAYLOAD } from "./payload-mode.ts";
import { checkSigV2Time, parseSigV2Header, parseSigV2Query, type SigV2Claim, verifySigV2 } from "./sigv2.ts";
import { type SigV4Crypto, webSigV4Crypto } from "./sigv4-crypto.ts";
import { parseAuthorizationHeader, parsePresignedQuery, type SigV4Claim } from "./sigv4-parse.ts";
import type { AuthResult, CredentialLookup, PayloadMode, SignedRequest } from "./types.ts";

export interface AuthenticateOptions {
  /** The region this server answers for; signatures scoped to another region are refused. */
  region: string;
  /** Services a signature may be scoped to. Defaults to ["s3"]; the STS endpoint passes ["sts"]. */
  services?: readonly string[];
  /** The current time (tests). */
  now?: Date;
  /** Hashing and HMAC; WebCrypto unless the runtime offers something faster. */
  crypto?: SigV4Crypto;
  /** Accept Signature Version 2 (S3 only; `--sigv2`). Default true. */
  sigv2?: boolean;
}

/** Largest difference between a request's time and ours that is still accepted. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

const anonymousPrincipal = { kind: "anonymous", name: "", accessKeyId: "" } as const;
const defaultServices = ["s3"] as const;
const unsupported =
  "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.";

/**
 * Authenticates a request: anonymous when it carries no signature, otherwise a principal verified
 * by SigV4 or SigV2 (a "sigv4" result with signatureVersion "AWS"). Throws AuthError for every
 * refusal. Reads no body: a time skew is refused first.
 */
export async function authenticate(
  req: SignedRequest,
  lookup: CredentialLookup,
  options: AuthenticateOptions,
): Promise<AuthResult> {
  const { headers } = req;
  const params = req.queryParams ?? parseQuery(req.query);
  const claim = claimOf(headers, params, options);
  if (claim && "version" in claim)
    return await verifySigV2(req, params, claim, lookup, options.now ?? new Date());
  if (!claim) {
    const declared = headers.get("x-amz-content-sha256");
    const payload: PayloadMode = declared === null ? { kind: "unsigned" } : parsePayloadMode(declared);
    if (payload.kind === "streaming-signed") {
      throw new AuthError("InvalidRequest", "A signed streaming payload requires a signed request.");
    }
    return { kind: "anonymous", principal: anonymousPrincipal, payload };
  }

  const { payloadHash, payload } = payloadOf(req, claim);
  checkAllAmzHeadersSigned(headers, claim);

  const crypto = options.crypto ?? webSigV4Crypto;
  const canonicalRequest = buildCanonicalRequest(req, params, claim, payloadHash);
  const digest = crypto.sha256Hex(canonicalRequest);
  const token = claim.presigned
    ? (params.find((p) => p.name === "X-Amz-Security-Token")?.value ?? headers.get("x-amz-security-token"))
    : (headers.get("x-amz-security-token") ?? params.find((p) => p.name === "X-Amz-Security-Token")?.value);
  const credential = await lookupCredential(lookup, claim.accessKeyId, token);

  const derived = crypto.signingKey(credential.secretAccessKey, claim.day, claim.region, claim.service);
  const signingKey = derived instanceof Promise ? await derived : derived;
  const toSign = stringToSign(claim.amzDate, claim.scope, typeof digest === "string" ? digest : await digest);
  const signed = crypto.hmacHex(signingKey, toSign);
  const expected = typeof signed === "string" ? signed : await signed;
  if (!timingSafeEqual(expected, claim.signature)) {
    throw new AuthError("SignatureDoesNotMatch", undefined, {
      AWSAccessKeyId: claim.accessKeyId,
      StringToSign: toSign,
      SignatureProvided: claim.signature,
      CanonicalRequest: canonicalRequest,
    });
  }

  const streamingSigned = payload.kind === "streaming-signed";
  return {
    kind: "sigv4",
    principal: credential.principal,
    credential,
    presigned: claim.presigned,
    payload,
    signedAt: claim.signedAt,
    chunkSigning: streamingSigned
      ? { signingKey, crypto, amzDate: claim.amzDate, scope: claim.scope, seedSignature: claim.signature }
      : undefined,
  };
}

/**
 * The SigV4 claim of a request, checked for form, scope and time but not yet verified; undefined
 * when the request carries no signature at all. Reads only the headers and the query, so a caller
 * that must read a body before verifying (STS, IAM) can refuse a request without one first.
 */
export function signatureClaim(
  req: Pick<SignedRequest, "headers" | "query">,
  options: AuthenticateOptions,
): SigV4Claim | SigV2Claim | undefined {
  return claimOf(req.headers, parseQuery(req.query), options);
}

function claimOf(
  headers: Headers,
  params: readonly QueryParam[],
  options: AuthenticateOptions,
): SigV4Claim | SigV2Claim | undefined {
  // S3 takes an empty Authorization header for no header at all: the request is anonymous.
  const authorization = headers.get("authorization") || null;
  const presigned = params.some(isV4QueryParam);
  const presignedV2 = params.some((p) => p.name === "AWSAccessKeyId" || p.name === "Signature");
  if (Number(authorization !== null) + Number(presigned) + Number(presignedV2) > 1) {
    throw new AuthError(
      "InvalidArgument",
      "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string " +
        "parameter or the Authorization header should be specified",
    );
  }
  const now = options.now ?? new Date();
  const services = options.services ?? defaultServices;
  if (presignedV2 || authorization?.startsWith("AWS ")) {
    if (options.sigv2 === false || !services.includes("s3"))
      throw new AuthError("InvalidRequest", unsupported);
    const claim = presignedV2 ? parseSigV2Query(params) : parseSigV2Header(authorization ?? "", headers);
    checkSigV2Time(claim, now, MAX_SKEW_MS);
    return claim;
  }
  const rules = { region: options.region, services };
  let claim: SigV4Claim;
  if (authorization !== null) {
    if (!authorization.startsWith("AWS4-HMAC-SHA256")) throw new AuthError("InvalidRequest", unsupported);
    claim = parseAuthorizationHeader(authorization, headers, rules);
  } else if (presigned) {
    claim = parsePresignedQuery(params, rules);
  } else {
    return undefined;
  }
  checkTime(claim, now);
  return claim;
}

function isV4QueryParam(p: QueryParam): boolean {
  return p.name === "X-Amz-Algorithm" || p.name === "X-Amz-Signature" || p.name === "X-Amz-Credential";
}

function checkTime(claim: SigV4Claim, now: Date): void {
  const signed = claim.signedAt.getTime();
  const current = now.getTime();
  const lifetime = claim.expiresSeconds;
  if (lifetime !== undefined && (lifetime === 0 || current > signed + lifetime * 1000)) {
    throw new AuthError("AccessDenied", "Request has expired", {
      "X-Amz-Expires": String(lifetime),
      Expires: new Date(signed + lifetime * 1000).toISOString(),
      ServerTime: now.toISOString(),
    });
  }
  const tooEarly = signed - current > MAX_SKEW_MS;
  const tooLate = claim.expiresSeconds === undefined && current - signed > MAX_SKEW_MS;
  if (tooEarly || tooLate) {
    throw new AuthError("RequestTimeTooSkewed", undefined, {
      RequestTime: claim.amzDate,
      ServerTime: now.toISOString(),
      MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
    });
  }
}

/** The payload hash the canonical request ends with, and what it means for the body. */
function payloadOf(req: SignedRequest, claim: SigV4Claim): { payloadHash: string; payload: PayloadMode } {
  const declared = req.headers.get("x-amz-content-sha256");
  if (declared !== null) return { payloadHash: declared, payload: parsePayloadMode(declared) };
  if (claim.service === "s3") {
    if (claim.presigned) return { payloadHash: UNSIGNED_PAYLOAD, payload: { kind: "unsigned" } };
    throw new AuthError("InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
  }
  // Other services sign the body's hash without sending it; the caller hashes small bodies first.
  const hex = req.bodySha256 ?? EMPTY_SHA256_HEX;
  return { payloadHash: hex, payload: { kind: "sha256", hex } };
}

/**
 * As S3 does: every x-amz-* header sent must be signed, or a request (above all a presigned URL,
 * which anyone holding it may replay) could carry a copy source, metadata or SSE headers that the
 * signer never approved. A presigned request may send x-amz-content-sha256 unsigned, as on S3:
 * its value is the payload hash of the canonical request, so a changed one fails the signature.
 */
function checkAllAmzHeadersSigned(headers: Headers, claim: SigV4Claim): void {
  const unsigned: string[] = [];
  for (const name of headers.keys()) {
    if (!name.startsWith("x-amz-") || claim.signedHeaders.includes(name)) continue;
    if (claim.presigned && name === "x-amz-content-sha256") continue;
    unsigned.push(name);
  }
  if (unsigned.length > 0) {
    throw new AuthError("AccessDenied", "There were headers present in the request which were not signed", {
      HeadersNotSigned: unsigned.join(", "),
    });
  }
}

/**
 * A signed header a proxy may consume on the way: `Expect` is answered by the first hop (the edge,
 * a load balancer) and not always passed on. Its only defined value is `100-continue` (RFC 9110
 * 10.1.1), so a signature over it still proves exactly what the client sent.
 */
function consumedHeader(name: string): string | null {
  return name === "expect" ? "100-continue" : null;
}

function buildCanonicalRequest(
  req: SignedRequest,
  params: readonly QueryParam[],
  claim: SigV4Claim,
  payloadHash: string,
): string {
  let headerBlock = "";
  for (const name of claim.signedHeaders) {
    const value = req.headers.get(name) ?? consumedHeader(name);
    if (value === null) {
      throw new AuthError("SignatureDoesNotMatch", undefined, {
        AWSAccessKeyId: claim.accessKeyId,
        SignatureProvided: claim.signature,
        MissingSignedHeader: name,
      });
    }
    headerBlock += `${name}:${canonicalHeaderValue(headerText(value))}\n`;
  }
  const query = canonicalQuery(params, claim.presigned ? "X-Amz-Signature" : undefined);
  return `${req.method}\n${canonicalUri(req.path)}\n${query}\n${headerBlock}\n${claim.signedHeaders.join(";")}\n${payloadHash}`;
}
