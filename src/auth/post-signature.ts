/**
 * The signature of a browser POST upload: the form's fields sign its base64 policy, with SigV4
 * (`x-amz-algorithm`, `x-amz-credential`, `x-amz-date`, `x-amz-signature`: hex HMAC-SHA256 of
 * the policy with the day's signing key) or SigV2 (`AWSAccessKeyId`, `signature`: base64
 * HMAC-SHA1 of the policy with the secret). A form with neither is anonymous. Web-standard only.
 */
import { parseAmzDate } from "../lib/amz-date.ts";
import { hmacSha1Base64 } from "../lib/hmac-sha1.ts";
import { timingSafeEqual } from "../lib/timing-safe-equal.ts";
import { AuthError } from "./errors.ts";
import { lookupCredential } from "./lookup-credential.ts";
import { type SigV4Crypto, webSigV4Crypto } from "./sigv4-crypto.ts";
import type { AuthResult, Credential, CredentialLookup } from "./types.ts";

export interface PostSignatureOptions {
  region: string;
  crypto?: SigV4Crypto;
}

export interface PostAuthentication {
  auth: AuthResult;
  /** The base64 policy the signature covers; undefined for an anonymous form. */
  policy?: string;
  /** Lower-case field names the policy need not name (S3's list for the signature version). */
  exempt: ReadonlySet<string>;
}

const anonymous: AuthResult = {
  kind: "anonymous",
  principal: { kind: "anonymous", name: "", accessKeyId: "" },
  payload: { kind: "unsigned" },
};

const v4Exempt = new Set(["x-amz-signature", "file", "policy"]);
const v2Exempt = new Set(["awsaccesskeyid", "signature", "file", "policy"]);

function missing(name: string): AuthError {
  return new AuthError(
    "InvalidArgument",
    `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`,
    { ArgumentName: name, ArgumentValue: "" },
  );
}

function mismatch(accessKeyId: string, policy: string, provided: string): AuthError {
  return new AuthError("SignatureDoesNotMatch", undefined, {
    AWSAccessKeyId: accessKeyId,
    StringToSign: policy,
    SignatureProvided: provided,
  });
}

/**
 * Authenticates a form by its fields (`get` takes a lower-case name): the principal that signed
 * its policy, or anonymous when the form carries no signature at all.
 */
export async function authenticatePostForm(
  get: (name: string) => string | undefined,
  lookup: CredentialLookup,
  options: PostSignatureOptions,
): Promise<PostAuthentication> {
  const token = get("x-amz-security-token");
  if (get("x-amz-algorithm") !== undefined || get("x-amz-signature") !== undefined) {
    return sigV4(get, lookup, options, token);
  }
  const accessKeyId = get("awsaccesskeyid");
  if (accessKeyId !== undefined || get("signature") !== undefined) {
    if (accessKeyId === undefined) throw missing("AWSAccessKeyId");
    const policy = get("policy");
    if (policy === undefined) throw missing("policy");
    const provided = get("signature");
    if (provided === undefined) throw missing("Signature");
    const credential = await lookupCredential(lookup, accessKeyId, token);
    const expected = await hmacSha1Base64(credential.secretAccessKey, policy);
    if (!timingSafeEqual(expected, provided)) throw mismatch(accessKeyId, policy, provided);
    return { auth: signedBy(credential, new Date(), "AWS"), policy, exempt: v2Exempt };
  }
  if (get("policy") !== undefined) throw missing("AWSAccessKeyId");
  return { auth: anonymous, exempt: v4Exempt };
}

function signedBy(credential: Credential, signedAt: Date, postForm: "AWS4-HMAC-SHA256" | "AWS"): AuthResult {
  return {
    kind: "sigv4",
    postForm,
    principal: credential.principal,
    credential,
    presigned: false,
    payload: { kind: "unsigned" },
    signedAt,
  };
}

async function sigV4(
  get: (name: string) => string | undefined,
  lookup: CredentialLookup,
  options: PostSignatureOptions,
  token: string | undefined,
): Promise<PostAuthentication> {
  const algorithm = get("x-amz-algorithm");
  if (algorithm === undefined) throw missing("X-Amz-Algorithm");
  if (algorithm !== "AWS4-HMAC-SHA256") {
    throw new AuthError("InvalidArgument", 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"', {
      ArgumentName: "X-Amz-Algorithm",
      ArgumentValue: algorithm,
    });
  }
  const credentialField = get("x-amz-credential");
  if (credentialField === undefined) throw missing("X-Amz-Credential");
  const amzDate = get("x-amz-date");
  if (amzDate === undefined) throw missing("X-Amz-Date");
  const provided = get("x-amz-signature");
  if (provided === undefined) throw missing("X-Amz-Signature");
  const policy = get("policy");
  if (policy === undefined) throw missing("Policy");
  const parts = credentialField.split("/");
  const [accessKeyId, day, region, service, terminator] = parts;
  if (parts.length !== 5 || !accessKeyId || !/^\d{8}$/.test(day ?? "") || terminator !== "aws4_request") {
    throw new AuthError("InvalidArgument", "Invalid credential", {
      ArgumentName: "X-Amz-Credential",
      ArgumentValue: credentialField,
    });
  }
  if (region !== options.region) {
    throw new AuthError(
      "InvalidArgument",
      `Error parsing the X-Amz-Credential parameter; the region '${region}' is wrong; expecting '${options.region}'`,
      { ArgumentName: "X-Amz-Credential", ArgumentValue: credentialField },
    );
  }
  if (service !== "s3") {
    throw new AuthError(
      "InvalidArgument",
      `Error parsing the X-Amz-Credential parameter; incorrect service '${service}'. This endpoint belongs to 's3'.`,
      { ArgumentName: "X-Amz-Credential", ArgumentValue: credentialField },
    );
  }
  const signedAt = parseAmzDate(amzDate);
  if (!signedAt) {
    throw new AuthError(
      "InvalidArgument",
      "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
      {
        ArgumentName: "X-Amz-Date",
        ArgumentValue: amzDate,
      },
    );
  }
  const credential = await lookupCredential(lookup, accessKeyId, token);
  const crypto = options.crypto ?? webSigV4Crypto;
  const signingKey = await crypto.signingKey(credential.secretAccessKey, day as string, region, "s3");
  const expected = await crypto.hmacHex(signingKey, policy);
  if (!timingSafeEqual(expected, provided.toLowerCase())) throw mismatch(accessKeyId, policy, provided);
  return { auth: signedBy(credential, signedAt, "AWS4-HMAC-SHA256"), policy, exempt: v4Exempt };
}
