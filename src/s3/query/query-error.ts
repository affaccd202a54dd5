import { type AuthErrorCode, isAuthError } from "../../auth/errors.ts";

/** An error of the AWS Query protocol (STS, IAM): rendered as <ErrorResponse>. */
export class QueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * The one table that turns authentication refusals into Query errors, as STS and IAM word them:
 * code, HTTP status, and a fixed message where theirs differs from the refusal's own.
 */
const queryErrorOf: Record<AuthErrorCode, [code: string, status: number, message?: string]> = {
  AccessDenied: ["AccessDenied", 403],
  AuthorizationHeaderMalformed: ["AuthorizationHeaderMalformed", 400],
  AuthorizationQueryParametersError: ["AuthorizationQueryParametersError", 400],
  ExpiredToken: ["ExpiredToken", 400, "The security token included in the request is expired"],
  IncompleteBody: ["IncompleteBody", 400],
  InvalidAccessKeyId: ["InvalidClientTokenId", 403, "The security token included in the request is invalid."],
  InvalidArgument: ["InvalidArgument", 400],
  InvalidRequest: ["InvalidRequest", 400],
  InvalidToken: ["InvalidClientTokenId", 403],
  MalformedTrailerError: ["MalformedTrailerError", 400],
  MissingContentLength: ["MissingContentLength", 411],
  RequestTimeTooSkewed: ["RequestTimeTooSkewed", 403],
  SignatureDoesNotMatch: ["SignatureDoesNotMatch", 403],
};

/** A QueryError as it is, an authentication refusal as STS and IAM answer it; undefined otherwise. */
export function toQueryError(error: unknown): QueryError | undefined {
  if (error instanceof QueryError) return error;
  if (!isAuthError(error)) return undefined;
  const [code, status, message] = queryErrorOf[error.code];
  return new QueryError(code, message ?? error.message, status);
}
