import type { Cidr } from "../auth/policy/ip-cidr.ts";
import type { BucketOwners } from "./bucket-owners.ts";

/** Settings of the S3 front end that every handler may read. */
export interface ServerConfig {
  region: string;
  /** Base domains for virtual-hosted-style requests, lower case. */
  domains: string[];
  /**
   * Who owns each bucket: `owners.bucketOwner(bucket)` → { accountId, canonicalId, displayName }
   * (bucket-owners.ts), the one lookup for Owner elements, ACLs and cross-account checks.
   */
  owners: BucketOwners;
  /** Proxies whose X-Forwarded-Host is the Host a request was signed for (edge worker, load balancer). */
  trustedProxies?: readonly Cidr[];
  /** An upload that sends less than 64 KiB in this long is cut off (RequestTimeout); 0 = never. */
  bodyTimeoutMs?: number;
  /** Accept SSE-C customer keys over plain HTTP (testing only). */
  allowSseCOverHttp?: boolean;
  /** Owner of files and directories anonymous requests create (--anonymous-uid/--anonymous-gid). */
  anonymousOwner?: { uid: number; gid: number };
  /**
   * Set with --posix-permissions enforce: requests of a POSIX identity are also checked against
   * the files' mode bits and ACLs; anonymous requests as this uid/gid.
   */
  posixPermissions?: { anonymous: { uid: number; gid: number } };
  /**
   * What a new bucket gets (--bucket-defaults): `current` (the default) AWS's since 2023,
   * BucketOwnerEnforced and a public access block with all four switches on; `legacy` neither
   * (ObjectWriter, ACLs on, nothing blocked).
   */
  bucketDefaults?: "current" | "legacy";
  /** CreateBucket of a new name is refused with TooManyBuckets once the root holds this many (--max-buckets). */
  maxBuckets?: number;
  /** Accept Signature Version 2 (--sigv2); default true. */
  sigv2?: boolean;
}
