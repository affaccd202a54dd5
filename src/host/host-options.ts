import type { MinFree } from "../runtime/free-space.ts";
import type { MetricsSnapshot } from "../s3/metrics-snapshot.ts";

/** Where a host writes its log lines (one JSON object each): stdout in the CLI, memory in tests. */
export interface LineWriter {
  /** A line written within the event loop's turn (the server's own records). */
  write(line: string): void;
  /** A line that may wait a few milliseconds to share one write with others (access log entries). */
  writeBatched?(line: string): void;
}

/** Everything a host is built from: the serve options, typed, and what the process provides. */
export interface HostOptions {
  /** The directory served; created when missing. */
  root: string;
  /** The port the host will listen on; names it (host id, /health/status) until listening() is called. */
  port: number;
  /**
   * Which of the host's serving processes this is (`s3dir serve --workers N`), 0 when alone: the
   * others keep audit spools of their own, named by slot, which a replacement worker takes over.
   */
  workerIndex?: number;
  region: string;
  /** Base domains for virtual-hosted-style requests. */
  domains: string[];
  /** Addresses or CIDR blocks whose X-Forwarded-Host is believed ("" for none). */
  trustedProxies: string;
  fsync: boolean;
  metadataStore: "auto" | "xattr" | "file";
  /** One JSON line per request on `out`. */
  accessLog: boolean;
  multipartExpiryMs: number;
  sweepIntervalMs: number;
  /** How long a lifecycle rule's day lasts (86,400,000 but in tests). */
  lifecycleDayMs: number;
  /** The lifecycle expiry worker's pacing (defaults in src/storage/lifecycle/worker.ts). */
  lifecycleWorker?: { intervalMs?: number; pageSize?: number; pauseMs?: number; deletesPerSecond?: number };
  /** How often buckets with a hard quota are recounted (files written through POSIX count after it). */
  quotaRecountMs: number;
  bodyTimeoutMs: number;
  maxInFlight: number;
  /** CreateBucket refuses new buckets once the root holds this many (TooManyBuckets). */
  maxBuckets?: number;
  /** The least severe log lines written (default info) while no level is set for the root (`s3dir log-level`). */
  logLevel?: "debug" | "info" | "warn" | "error";
  /** The memory the load score measures the resident set against; default the cgroup's limit, else the machine's memory. */
  maxMemory?: number;
  minFree?: MinFree;
  /** Serve Prometheus metrics on GET /metrics. */
  metrics: boolean;
  /**
   * The metrics of this host's other processes (`s3dir serve --workers N`), given this one's
   * snapshot: /metrics then reports their sum. Absent for a host that is one process.
   */
  peerMetrics?: (own: MetricsSnapshot) => Promise<readonly MetricsSnapshot[]>;
  stsMaxDurationSeconds: number;
  requireEncryptedRoot: boolean;
  allowSseCOverHttp: boolean;
  /** Owner of what anonymous requests create (default nobody:nogroup, 65534). */
  anonymousOwner?: { uid: number; gid: number };
  /** Also check the files' permissions for requests of a POSIX identity (default off). */
  posixPermissions?: "off" | "enforce";
  /** What new buckets get (--bucket-defaults); current when not given. */
  bucketDefaults?: "current" | "legacy";
  /** Accept Signature Version 2 requests and links (default true). */
  sigv2?: boolean;
  /** AssumeRole refuses ARNs that name no stored role (default false: they give the caller's rights). */
  stsStrictRoles?: boolean;
  /** Serve the web console under /_console/ (default true). */
  console?: boolean;
  /**
   * The variables a host reads: S3DIR_ROOT_ACCESS_KEY / S3DIR_ROOT_SECRET_KEY, S3DIR_MASTER_KEY,
   * S3DIR_HOST_ID, and the crash-test hook S3DIR_TEST_PAUSE_AT / S3DIR_TEST_PAUSE_DIR.
   */
  env: Record<string, string | undefined>;
  out: LineWriter;
}
