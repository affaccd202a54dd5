import { type AuthError, type AuthErrorCode, isAuthError } from "../auth/errors.ts";
import { S3Error, type S3ErrorCode } from "./errors.ts";

/**
 * The one table that turns authentication refusals into S3 errors. Auth speaks SigV4's words, so
 * each code keeps its name; the table makes a new auth code a compile error until S3 answers it.
 */
const s3CodeOf: Record<AuthErrorCode, S3ErrorCode> = {
  AccessDenied: "AccessDenied",
  AuthorizationHeaderMalformed: "AuthorizationHeaderMalformed",
  AuthorizationQueryParametersError: "AuthorizationQueryParametersError",
  ExpiredToken: "ExpiredToken",
  IncompleteBody: "IncompleteBody",
  InvalidAccessKeyId: "InvalidAccessKeyId",
  InvalidArgument: "InvalidArgument",
  InvalidRequest: "InvalidRequest",
  InvalidToken: "InvalidToken",
  MalformedTrailerError: "MalformedTrailerError",
  MissingContentLength: "MissingContentLength",
  RequestTimeTooSkewed: "RequestTimeTooSkewed",
  SignatureDoesNotMatch: "SignatureDoesNotMatch",
};

/** The S3 error an authentication refusal is answered with: its code, message and details. */
export function s3ErrorOfAuth(error: AuthError): S3Error {
  return new S3Error(s3CodeOf[error.code], error.message, { ...error.details });
}

/** Converts an AuthError to its S3Error; returns other errors unchanged. */
export function fromAuthError(caught: unknown): unknown {
  return isAuthError(caught) ? s3ErrorOfAuth(caught) : caught;
}
