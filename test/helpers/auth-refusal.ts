import { AuthError } from "../../src/auth/errors.ts";
import { s3ErrorOfAuth } from "../../src/s3/auth-errors.ts";
import type { S3Error } from "../../src/s3/errors.ts";

/** The refusal as an S3 client sees it: auth's error through the S3 mapping. */
export async function authRefusal(promise: Promise<unknown>): Promise<S3Error> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof AuthError) return s3ErrorOfAuth(e);
    throw e;
  }
  throw new Error("expected a refusal");
}
