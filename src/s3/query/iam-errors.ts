import { IamError, type IamErrorKind } from "../../iam/iam-error.ts";
import { VersionConflictError } from "../../iam/versioned-file.ts";
import { QueryError } from "./query-error.ts";

/** The one table that turns refusals of the IAM admin functions into IAM API errors: each kind's status. */
const statusOf: Record<IamErrorKind, number> = {
  NoSuchEntity: 404,
  EntityAlreadyExists: 409,
  DeleteConflict: 409,
  ConcurrentModification: 409,
  MalformedPolicyDocument: 400,
  ValidationError: 400,
  UnmodifiableEntity: 400,
};

/**
 * The Query error for a refusal of the IAM admin functions (an IamError), keeping its message;
 * undefined for anything else (an internal error).
 */
export function iamQueryError(error: unknown): QueryError | undefined {
  if (error instanceof QueryError) return error;
  if (error instanceof VersionConflictError)
    return new QueryError("ConcurrentModification", error.message, 409);
  if (!(error instanceof IamError)) return undefined;
  const { kind } = error;
  const message =
    kind === "MalformedPolicyDocument" ? error.message.replace(/^MalformedPolicy: /, "") : error.message;
  return new QueryError(kind, message, statusOf[kind]);
}
