import { isS3Error } from "../errors.ts";

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

/** How the errors that authentication throws read in the Query protocol, as STS and IAM word them. */
export function toQueryError(error: unknown): QueryError | undefined {
  if (error instanceof QueryError) return error;
  if (!isS3Error(error)) return undefined;
  switch (error.code) {
    case "InvalidAccessKeyId":
      return new QueryError(
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        403,
      );
    case "InvalidToken":
      return new QueryError("InvalidClientTokenId", error.message, 403);
    case "ExpiredToken":
      return new QueryError("ExpiredToken", "The security token included in the request is expired", 400);
    case "AccessDenied":
      return new QueryError("AccessDenied", error.message, 403);
    default:
      return new QueryError(error.code, error.message, error.status);
  }
}
