/**
 * x-amz-expected-bucket-owner (x-amz-source-expected-bucket-owner for a copy's source): a request
 * naming an account that does not own the bucket is refused 403 AccessDenied, as on S3, so that a
 * tool never reads or writes a bucket of the same name that another account made.
 */
import type { BucketOwners } from "./bucket-owners.ts";
import { S3Error } from "./errors.ts";

export async function checkExpectedOwner(
  owners: BucketOwners,
  bucket: string,
  expected: string | null,
): Promise<void> {
  if (expected === null || bucket === "") return;
  const { accountId } = await owners.bucketOwner(bucket);
  if (expected.trim() !== accountId) throw new S3Error("AccessDenied");
}
