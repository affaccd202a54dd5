import { QueryError } from "./query-error.ts";

/** HTTP status of each IAM error code the IAM admin functions refuse with (their error `kind`). */
const statusOf: Record<string, number> = {
  NoSuchEntity: 404,
  EntityAlreadyExists: 409,
  DeleteConflict: 409,
  ConcurrentModification: 409,
  LimitExceeded: 409,
  MalformedPolicyDocument: 400,
  ValidationError: 400,
  UnmodifiableEntity: 400,
};

/**
 * The Query error for a refusal of the IAM admin functions (an error named "IamError" with a
 * `kind`), keeping its message; undefined for anything else (an internal error).
 */
export function iamQueryError(error: unknown): QueryError | undefined {
  if (error instanceof QueryError) return error;
  if (!(error instanceof Error) || error.name !== "IamError") return undefined;
  const kind = (error as Error & { kind?: unknown }).kind;
  if (typeof kind !== "string") return undefined;
  const status = statusOf[kind];
  if (status === undefined) return undefined;
  const message =
    kind === "MalformedPolicyDocument" ? error.message.replace(/^MalformedPolicy: /, "") : error.message;
  return new QueryError(kind, message, status);
}
