import type { LockNotice } from "../storage/index.ts";
import { S3Error } from "./errors.ts";

/**
 * What S3 answers for an object lock refusal (StorageError.lock), its message the storage
 * layer's (AWS's text, or why a file could not be locked): a locked version 403 AccessDenied,
 * retention or legal hold on a bucket without object lock 400 InvalidRequest, a bucket whose
 * versioning does not allow the change 409 InvalidBucketState, no configuration 404, a bad
 * period or a past date 400 InvalidArgument.
 */
export function lockS3Error(notice: LockNotice, message: string, target?: { bucket: string }): S3Error {
  switch (notice.reason) {
    case "ObjectLocked":
      return new S3Error("AccessDenied", message);
    case "MissingLockConfiguration":
      return new S3Error("InvalidRequest", message);
    case "InvalidBucketState":
      return new S3Error("InvalidBucketState", message);
    case "ObjectLockConfigurationNotFoundError":
      return new S3Error(
        "ObjectLockConfigurationNotFoundError",
        message,
        target?.bucket ? { BucketName: target.bucket } : {},
      );
    case "NoSuchObjectLockConfiguration":
      return new S3Error("NoSuchObjectLockConfiguration", message);
    case "InvalidRetentionPeriod":
    case "PastRetainDate":
      return new S3Error("InvalidArgument", message);
  }
}
