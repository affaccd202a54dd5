/**
 * Signature Version 2 (S3's RESTAuthentication): `Authorization: AWS AKID:signature` or the query
 * parameters AWSAccessKeyId, Expires and Signature; HMAC-SHA1 over the string to sign of
 * src/lib/sigv2-canonical.ts. Web-standard only: the edge worker checks SigV2 links with it too.
 */

import { hmacSha1Base64 } from "../lib/hmac-sha1.ts";
import { parseHttpDate } from "../lib/http-date.ts";
import { sigV2StringsToSign } from "../lib/sigv2-canonical.ts";
import type { QueryParam } from "../lib/sigv4-canonical.ts";
import { timingSafeEqual } from "../lib/timing-safe-equal.ts";
import { AuthError } from "./errors.ts";
import { lookupCredential } from "./lookup-credential.ts";
import { parsePayloadMode } from "./payload-mode.ts";
import type { AuthResult, CredentialLookup, PayloadMode, SignedRequest } from "./types.ts";

/** What a SigV2 request says about its signature, checked for form and time, not yet verified. */
export interface SigV2Claim {
  version: 2;
  presigned: boolean;
  accessKeyId: string;
  signature: string;
  /** Header signing: the request's date. Presigned: when the URL expires. */
  signedAt: Date;
  /** Presigned: the Expires parameter as sent (it is signed as sent). */
  expires?: string;
}

/** The claim of `Authorization: AWS AKID:signature`, with its Date or x-amz-date. */
export function parseSigV2Header(authorization: string, headers: Headers): SigV2Claim {
  const credential = authorization.slice("AWS ".length);
  const colon = credential.lastIndexOf(":");
  if (colon <= 0 || colon === credential.length - 1) {
    throw new AuthError(
      "InvalidArgument",
      "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
      {
        ArgumentName: "Authorization",
        ArgumentValue: authorization,
      },
    );
  }
  const amzDate = headers.get("x-amz-date");
  const signedAt = parseHttpDate(amzDate ?? headers.get("date"));
  // S3 takes a time before 1970 for no valid date at all, not for a skewed one.
  if (!signedAt || signedAt.getTime() < 0) {
    throw new AuthError("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
  }
  return {
    version: 2,
    presigned: false,
    accessKeyId: credential.slice(0, colon),
    signature: credential.slice(colon + 1),
    signedAt,
  };
}

/** The claim of a SigV2 presigned URL (AWSAccessKeyId, Expires, Signature). */
export function parseSigV2Query(params: readonly QueryParam[]): SigV2Claim {
  const get = (name: string) => params.find((p) => p.name === name)?.value;
  const accessKeyId = get("AWSAccessKeyId");
  const expires = get("Expires");
  const signature = get("Signature");
  if (!accessKeyId || expires === undefined || !signature) {
    throw new AuthError(
      "AccessDenied",
      "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters",
    );
  }
  if (!/^\d{1,12}$/.test(expires)) {
    throw new AuthError("AccessDenied", `Invalid date (should be seconds since epoch): ${expires}`);
  }
  return {
    version: 2,
    presigned: true,
    accessKeyId,
    signature,
    signedAt: new Date(Number(expires) * 1000),
    expires,
  };
}

/** Refuses an expired URL, or a header-signed request whose date is too far from ours. */
export function checkSigV2Time(claim: SigV2Claim, now: Date, maxSkewMs: number): void {
  if (claim.presigned) {
    if (now.getTime() > claim.signedAt.getTime()) {
      throw new AuthError("AccessDenied", "Request has expired", {
        Expires: claim.signedAt.toISOString(),
        ServerTime: now.toISOString(),
      });
    }
    return;
  }
  if (Math.abs(now.getTime() - claim.signedAt.getTime()) > maxSkewMs) {
    throw new AuthError("RequestTimeTooSkewed", undefined, {
      RequestTime: claim.signedAt.toUTCString(),
      ServerTime: now.toISOString(),
      MaxAllowedSkewMilliseconds: String(maxSkewMs),
    });
  }
}

/** Verifies a SigV2 claim: the session token, then the signature, compared in constant time. */
export async function verifySigV2(
  req: SignedRequest,
  params: readonly QueryParam[],
  claim: SigV2Claim,
  lookup: CredentialLookup,
  now: Date,
): Promise<AuthResult> {
  const declared = req.headers.get("x-amz-content-sha256");
  const payload: PayloadMode = declared === null ? { kind: "unsigned" } : parsePayloadMode(declared);
  if (payload.kind === "streaming-signed") {
    throw new AuthError("InvalidRequest", "A signed streaming payload requires a SigV4-signed request.");
  }
  const token =
    req.headers.get("x-amz-security-token") ?? params.find((p) => p.name === "x-amz-security-token")?.value;
  const credential = await lookupCredential(lookup, claim.accessKeyId, token);

  const candidates = sigV2StringsToSign(claim.presigned ? withQueryHeaders(req, params) : req, claim.expires);
  let matched = false;
  for (const candidate of candidates) {
    const expected = await hmacSha1Base64(credential.secretAccessKey, candidate);
    if (timingSafeEqual(expected, claim.signature)) matched = true;
  }
  const toSign = candidates[0] ?? "";
  if (!matched) {
    throw new AuthError("SignatureDoesNotMatch", undefined, {
      AWSAccessKeyId: claim.accessKeyId,
      StringToSign: toSign,
      SignatureProvided: claim.signature,
      StringToSignBytes: stringBytes(toSign),
    });
  }
  return {
    kind: "sigv4",
    signatureVersion: "AWS",
    principal: credential.principal,
    credential,
    presigned: claim.presigned,
    payload,
    signedAt: claim.presigned ? now : claim.signedAt,
  };
}

/**
 * A presigned V2 URL carries the x-amz-* headers it signed (a session token above all), and
 * Content-Type and Content-MD5, as query parameters: they are signed as headers.
 */
function withQueryHeaders(req: SignedRequest, params: readonly QueryParam[]): SignedRequest {
  let headers: Headers | undefined;
  for (const { name, value } of params) {
    const lower = name.toLowerCase();
    if (!lower.startsWith("x-amz-") && lower !== "content-type" && lower !== "content-md5") continue;
    headers ??= new Headers(req.headers);
    headers.set(lower, value);
  }
  return headers ? { ...req, headers } : req;
}

/** "47 45 54 0a …": the UTF-8 bytes of the string to sign, as S3 shows them. */
function stringBytes(text: string): string {
  return Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join(" ");
}
