/** A command line that cannot be run as given (unknown option, missing value, stray argument): exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
