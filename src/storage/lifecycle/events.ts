/** What the lifecycle worker reports: one event per deletion (for the audit trail) and one per pass. */

/**
 * AWS's event names for lifecycle deletions (s3:LifecycleExpiration:Delete for an object or
 * version removed for good, DeleteMarkerCreated for a current version expired in a versioned
 * bucket); AWS has none for an aborted upload, so s3dir names it the same way.
 */
export type LifecycleOperation =
  | "s3:LifecycleExpiration:Delete"
  | "s3:LifecycleExpiration:DeleteMarkerCreated"
  | "s3:LifecycleExpiration:AbortIncompleteMultipartUpload";

export interface LifecycleEvent {
  operation: LifecycleOperation;
  time: Date;
  bucket: string;
  key: string;
  /** The version removed, or the delete marker made. */
  versionId?: string;
  uploadId?: string;
  /** The rule that expired it. */
  ruleId: string;
}

export interface PassCounts {
  /** Keys looked at. */
  keys: number;
  /** Current versions expired (removed, or hidden by a delete marker). */
  expired: number;
  markersRemoved: number;
  noncurrentRemoved: number;
  uploadsAborted: number;
  /** Versions due but protected by object lock (retention or legal hold): kept. */
  locked: number;
}

export const noCounts = (): PassCounts => ({
  keys: 0,
  expired: 0,
  markersRemoved: 0,
  noncurrentRemoved: 0,
  uploadsAborted: 0,
  locked: 0,
});

/** A finished pass over a bucket, whichever hosts worked it. */
export interface PassReport extends PassCounts {
  bucket: string;
  startedAt: string;
  durationMs: number;
}
