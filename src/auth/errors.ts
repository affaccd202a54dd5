/**
 * Why authentication refused a request. The codes and words are SigV4's own, as AWS answers them;
 * the HTTP layer maps each code to the error of its protocol (src/s3/auth-errors.ts for S3,
 * src/s3/query/query-error.ts for STS and IAM), and the edge worker answers with the S3 mapping.
 */

export type AuthErrorCode =
  /** Refused for a reason other than the signature: expired URL, unsigned x-amz-* header, no date. */
  | "AccessDenied"
  | "AuthorizationHeaderMalformed"
  | "AuthorizationQueryParametersError"
  /** A session token whose time is over. */
  | "ExpiredToken"
  /** An aws-chunked body that ends early or decodes to another length than declared. */
  | "IncompleteBody"
  | "InvalidAccessKeyId"
  /** A header or parameter of the signing protocol with a value it does not allow. */
  | "InvalidArgument"
  /** A mechanism or framing this server does not accept (SigV2, a signed stream unsigned, …). */
  | "InvalidRequest"
  /** A session token that does not open, names another key, or whose parent is gone. */
  | "InvalidToken"
  | "MalformedTrailerError"
  /** An aws-chunked body without x-amz-decoded-content-length. */
  | "MissingContentLength"
  | "RequestTimeTooSkewed"
  | "SignatureDoesNotMatch";

const defaultMessages: Partial<Record<AuthErrorCode, string>> = {
  AccessDenied: "Access Denied",
  InvalidAccessKeyId: "The AWS Access Key Id you provided does not exist in our records.",
  RequestTimeTooSkewed: "The difference between the request time and the current time is too large.",
  SignatureDoesNotMatch:
    "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
};

/** The one error type of the auth layer: a code, a message and the facts a client needs to see. */
export class AuthError extends Error {
  readonly code: AuthErrorCode;
  /** Facts rendered with the error, e.g. { AWSAccessKeyId, StringToSign } or { ServerTime }. */
  readonly details: Readonly<Record<string, string>>;

  constructor(code: AuthErrorCode, message?: string, details: Record<string, string> = {}) {
    super(message ?? defaultMessages[code] ?? code);
    this.name = "AuthError";
    this.code = code;
    this.details = details;
  }
}

export function isAuthError(e: unknown): e is AuthError {
  return e instanceof AuthError;
}
