/** Object lock as storage sees it (no HTTP): a bucket's configuration and a version's lock. */

export type RetentionMode = "GOVERNANCE" | "COMPLIANCE";

/** A version's retention: it may not be deleted before `until`. */
export interface Retention {
  mode: RetentionMode;
  until: Date;
}

/** A bucket's default retention, applied to each new version written without one. */
export interface DefaultRetention {
  mode: RetentionMode;
  /** Exactly one of days and years. */
  days?: number;
  years?: number;
}

/** A lock-enabled bucket's configuration (a bucket without object lock has none). */
export interface ObjectLockConfiguration {
  defaultRetention?: DefaultRetention;
}

/** The lock of one object version, as kept in its metadata record. */
export interface ObjectLock {
  retention?: Retention;
  legalHold?: boolean;
}

/** What a write asks for (x-amz-object-lock-* headers); absent parts come from the default. */
export interface LockRequest {
  retention?: Retention;
  legalHold?: boolean;
}
