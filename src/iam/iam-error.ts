/** Why an IAM administration request was refused; the IAM API maps each kind to its error code. */
export type IamErrorKind =
  | "NoSuchEntity"
  | "EntityAlreadyExists"
  | "DeleteConflict"
  | "MalformedPolicyDocument"
  | "ValidationError"
  | "UnmodifiableEntity"
  | "ConcurrentModification";

/**
 * A refused IAM administration request: the message is what the `s3dir` CLI prints, the kind is
 * what the IAM API answers with.
 */
export class IamError extends Error {
  override name = "IamError";
  constructor(
    readonly kind: IamErrorKind,
    message: string,
  ) {
    super(message);
  }
}
