import type { HostOptions, LineWriter } from "../host/index.ts";
import { defaultMemoryLimit } from "../runtime/memory-use.ts";
import type { ServeOptions } from "./serve-options.ts";
import { shareOf, soleWorker, type WorkerSlot } from "./worker-slot.ts";

/**
 * The host's typed options from the resolved `s3dir serve` options. A worker of `--workers N`
 * gets its share of the per-host limits, so that the host's total stays what the operator set.
 */
export function hostOptionsFromServe(
  options: ServeOptions,
  env: Record<string, string | undefined>,
  out: LineWriter,
  slot: WorkerSlot = soleWorker,
): HostOptions {
  const shared = slot.count > 1;
  const maxMemory = options["max-memory"]?.bytes;
  return {
    root: options.root,
    port: options.port,
    workerIndex: slot.index,
    region: options.region,
    domains: options.domain,
    trustedProxies: options["trusted-proxy"],
    fsync: options.fsync,
    metadataStore: options["metadata-store"],
    accessLog: options["access-log"],
    multipartExpiryMs: options["multipart-expiry"],
    sweepIntervalMs: options["sweep-interval"],
    lifecycleDayMs: options["lifecycle-day"],
    lifecycleWorker: {
      intervalMs: options["lifecycle-interval"],
      pageSize: options["lifecycle-page"],
      pauseMs: options["lifecycle-pause"],
      deletesPerSecond: shared ? shareOf(options["lifecycle-rate"], slot) : options["lifecycle-rate"],
    },
    quotaRecountMs: options["quota-recount"],
    bodyTimeoutMs: options["body-timeout"],
    maxInFlight: shared ? shareOf(options["max-in-flight"], slot) : options["max-in-flight"],
    maxMemory: shared ? shareOf(maxMemory ?? defaultMemoryLimit(), slot) : maxMemory,
    maxBuckets: options["max-buckets"],
    logLevel: options["log-level"],
    minFree: options["min-free"],
    metrics: options.metrics,
    stsMaxDurationSeconds: options["sts-max-duration"],
    requireEncryptedRoot: options["require-encrypted-root"],
    allowSseCOverHttp: options["allow-sse-c-over-http"],
    anonymousOwner: { uid: options["anonymous-uid"], gid: options["anonymous-gid"] },
    posixPermissions: options["posix-permissions"],
    bucketDefaults: options["bucket-defaults"],
    sigv2: options.sigv2,
    stsStrictRoles: options["sts-strict-roles"],
    console: options.console,
    env,
    out,
  };
}
