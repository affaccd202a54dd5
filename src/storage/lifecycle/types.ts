/** A bucket's lifecycle configuration as storage sees it (no XML): expiration rules only. */
import type { ObjectTag } from "../types.ts";

/** Which objects a rule applies to; every part given must match (an empty filter matches all). */
export interface LifecycleFilter {
  prefix?: string;
  tags?: ObjectTag[];
  /** Bytes: the object must be strictly larger. */
  sizeGreaterThan?: number;
  /** Bytes: the object must be strictly smaller. */
  sizeLessThan?: number;
}

export interface LifecycleExpiration {
  /** Current versions expire this many days after creation (rounded up to the next midnight UTC). */
  days?: number;
  /** Current versions expire at this moment (midnight UTC, as AWS requires). */
  date?: Date;
  /** A delete marker that is the only version left of its key is removed. */
  expiredObjectDeleteMarker?: boolean;
}

export interface NoncurrentVersionExpiration {
  /** Noncurrent versions expire this many days after they became noncurrent. */
  noncurrentDays: number;
  /** This many newest noncurrent versions of each key are kept whatever their age. */
  newerNoncurrentVersions?: number;
}

export interface LifecycleRule {
  /** Unique within the configuration, at most 255 characters. */
  id: string;
  enabled: boolean;
  filter: LifecycleFilter;
  expiration?: LifecycleExpiration;
  noncurrentVersionExpiration?: NoncurrentVersionExpiration;
  /** Incomplete multipart uploads are aborted this many days after they were initiated. */
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
  /**
   * The filter came as the legacy top-level `Prefix` (filter.prefix), not as `Filter`: a
   * client reads the rule back in the form it wrote.
   */
  topLevelPrefix?: boolean;
}

/** At most 1,000 rules. */
export interface LifecycleConfiguration {
  rules: LifecycleRule[];
  /**
   * The `x-amz-transition-default-minimum-object-size` the configuration was put with, answered
   * back on GET (s3dir has one tier, so it changes nothing else).
   */
  transitionDefaultMinimumObjectSize?: "varies_by_storage_class" | "all_storage_classes_128K";
}

/**
 * How long a lifecycle "day" lasts. 86,400,000 ms in production; tests set a few seconds
 * (`--lifecycle-day-seconds`), and then days are counted from the object's time without the
 * rounding to midnight UTC.
 */
export interface LifecycleClock {
  dayMs: number;
  now: () => number;
}
