/**
 * The POSIX object store: a directory tree served as buckets and objects. This file only
 * wires the pieces together; each concept lives in its own folder: buckets/, objects/ (put,
 * publish, read, copy, delete, list), multipart/, metadata/ (records and where they are kept),
 * sse/ (encryption at rest), layout/ (keys and paths on disk), sweeps/ (leftovers of dead
 * writers). Other layers reach storage through index.ts only.
 */

import { mkdir, realpath } from "node:fs/promises";
import { fsOps, isLocalFilesystem } from "../runtime/fs-ops.ts";
import { watchRootFormat } from "../runtime/root-format.ts";
import { ensureSystemDirSync } from "../runtime/system-dir.ts";
import { ObjectAcls } from "./acl/version-acl.ts";
import { Buckets } from "./buckets/buckets.ts";
import { BucketSettings } from "./buckets/settings.ts";
import type { StoreContext } from "./context.ts";
import { lockError, StorageError } from "./errors.ts";
import { isValidBucketName } from "./layout/keys.ts";
import { ParentDirs } from "./layout/parent-dirs.ts";
import { Layout } from "./layout/paths.ts";
import { writerId } from "./layout/temp-names.ts";
import { LifecycleConfigs, lifecycleRules, objectExpiration } from "./lifecycle/config.ts";
import { REAL_DAY_MS } from "./lifecycle/rules.ts";
import type { LifecycleClock } from "./lifecycle/types.ts";
import { type LifecycleWorkerOptions, startLifecycleWorker } from "./lifecycle/worker.ts";
import { ObjectLockConfigs } from "./lock/config.ts";
import { LockGuard } from "./lock/protect.ts";
import { VersionLocks } from "./lock/version-lock.ts";
import { Describer } from "./metadata/describe.ts";
import { createMetadataStore, probeXattrSupport } from "./metadata/store.ts";
import type { ExpiryOptions } from "./multipart/expiry.ts";
import { createMultipartStore, type PosixMultipartStore } from "./multipart/store.ts";
import type { ObjectStore } from "./object-store.ts";
import { Copier } from "./objects/copier.ts";
import { Deleter } from "./objects/deleter.ts";
import { DirCache } from "./objects/dir-cache.ts";
import { KeyPlaces, withKeyPlaces } from "./objects/key-places.ts";
import { Lister } from "./objects/listing.ts";
import { Publisher } from "./objects/publish.ts";
import { Putter } from "./objects/putter.ts";
import { Reader } from "./objects/reader.ts";
import { QuotaGate } from "./quota/gate.ts";
import { QuotaLimits } from "./quota/limits.ts";
import { listQuotaBuckets } from "./quota/quota-buckets.ts";
import { createSseKeyring } from "./sse/keyring.ts";
import { createKmsKeyring } from "./sse/kms-keyring.ts";
import type { DeadWriterSweepOptions } from "./sweeps/dead-writers.ts";
import { cleanStaleTemps } from "./sweeps/stale-temps.ts";
import { acquireWriterLease } from "./sweeps/writer-lease.ts";
import { ObjectTagging } from "./tags/version-tags.ts";
import { historyIsEmpty } from "./versions/history.ts";
import { VersionLister } from "./versions/listing.ts";
import { VersioningStates } from "./versions/state.ts";

export interface PosixStoreOptions {
  /** The served directory; each valid-named top-level directory is a bucket. */
  root: string;
  /** fsync files and directories before acknowledging writes. */
  fsync: boolean;
  /** Where metadata records live; "auto" probes the root once for user xattrs. */
  metadataStore?: "auto" | "xattr" | "file";
  /**
   * Use synchronous calls for small metadata syscalls (open, fstat, rename…). Default: true
   * on local filesystems (ext4, xfs, btrfs, tmpfs, zfs), false on network ones.
   */
  syncMetadataIo?: boolean;
  /** Remove temp files older than a day at startup (best-effort, in the background). Default true. */
  cleanStaleTemps?: boolean;
  /** Remove incomplete multipart uploads older than this (periodic sweep); none when absent. */
  multipartExpiry?: ExpiryOptions;
  /** Conditions worth an operator's attention that fail no request (an unreadable directory). */
  warn?: (record: { msg: string; [field: string]: unknown }) => void;
  /** Sweep dead processes' temp files and cut-off Completes periodically; none when absent. */
  deadWriterSweep?: DeadWriterSweepOptions;
  /** Test hook: stops requests at named points (see host/test-pause.ts). */
  pause?: StoreContext["pause"];
  /** How long a lifecycle day lasts; real days when absent. */
  lifecycleClock?: LifecycleClock;
  /** Run the lifecycle expiry worker (lifecycle/worker.ts) with this pacing; none when absent. */
  lifecycleWorker?: LifecycleWorkerOptions;
  /** Settle quota grants and recount buckets with a quota this often; no background work when absent (the CLI). */
  quotaRecountIntervalMs?: number;
  /** Recount slices: entries per slice and slices per host's turn (tests; defaults in quota/gate.ts). */
  quotaRecountSlices?: { entries: number; turn: number };
}

export interface PosixStore extends ObjectStore {
  readonly root: string;
  readonly metadataStore: "xattr" | "file";
  /** Shared internals for other storage modules (multipart uploads). */
  readonly context: StoreContext;
  readonly publisher: Publisher;
  readonly multipart: PosixMultipartStore;
  /** Hard bucket quotas: the limits and the shared usage. */
  readonly quota: QuotaGate;
  /** `s3dir bucket create NAME --existing-path DIR`: a directory beneath the root served as bucket NAME. */
  bindBucket(name: string, dir: string): Promise<void>;
  /** `s3dir bucket remove NAME --unlink`: the bucket's state goes, its directory and files stay. */
  unlinkBucket(name: string): Promise<void>;
  /** Stops background work (the sweeps) and gives up this process's writer lease. */
  close(): Promise<void>;
}

export async function createPosixStore(options: PosixStoreOptions): Promise<PosixStore> {
  await mkdir(options.root, { recursive: true });
  const root = await realpath(options.root);
  const layout = new Layout(root);
  ensureSystemDirSync(root);
  const ops = fsOps(options.syncMetadataIo ?? isLocalFilesystem(root));
  // Buckets bound by the CLI on any host are served here within about a second.
  const bindsWatch = setInterval(() => {
    try {
      layout.refreshBinds();
    } catch {
      // Unreadable for now: the buckets bound so far stay as they were.
    }
  }, 1000);
  bindsWatch.unref();
  // Before any temp file is made: its name says it belongs to a live writer.
  const releaseLease = await acquireWriterLease(ops, layout);
  const wanted = options.metadataStore ?? "auto";
  const kind =
    wanted === "auto" ? ((await probeXattrSupport(ops, layout.systemDir())) ? "xattr" : "file") : wanted;
  // Compact records only on a root every host reads them on (`s3dir format`), followed without a restart.
  const format = await watchRootFormat(root, { report: (record) => options.warn?.(record) });
  const meta = createMetadataStore(kind, ops, () => format.has("compactRecords"));
  const describer = new Describer(meta, ops);
  const parents = new ParentDirs(ops, layout, describer, options.fsync);
  const sse = createSseKeyring(root);
  const kms = createKmsKeyring(root, sse);
  const buckets = new Buckets(ops, layout, {
    beforeDelete: async (name) => {
      if (!(await historyIsEmpty(ctx, name))) {
        throw new StorageError("BucketNotEmpty", "The bucket still holds object versions or delete markers");
      }
    },
    changed: (name) => {
      versioning.forget(name);
      locks.forget(name);
      lifecycleConfigs.forget(name);
    },
  });
  const settings = new BucketSettings(layout, buckets);
  const versioning = new VersioningStates(ops, settings);
  const locks = new ObjectLockConfigs(ops, settings);
  const lifecycleConfigs = new LifecycleConfigs(ops, settings);
  const guard = new LockGuard();
  const quota = new QuotaGate(ops, layout, new QuotaLimits(ops, settings), {
    // One id per store: two hosts built in one process (tests) hold separate grants.
    hostId: `${writerId}.${crypto.randomUUID().slice(0, 8)}`,
    recountIntervalMs: options.quotaRecountIntervalMs ?? 10 * 60_000,
    recountSliceEntries: options.quotaRecountSlices?.entries,
    recountTurnSlices: options.quotaRecountSlices?.turn,
  });
  if (options.quotaRecountIntervalMs !== undefined) quota.start(() => listQuotaBuckets(layout));
  const ctx: StoreContext = {
    ops,
    layout,
    meta,
    describer,
    parents,
    fsync: options.fsync,
    sse,
    kms,
    versioning,
    locks,
    guard,
    quota,
    lifecycle: options.lifecycleClock ?? { dayMs: REAL_DAY_MS, now: Date.now },
    lifecycleConfigs,
  };
  if (options.pause) ctx.pause = options.pause;
  const publisher = new Publisher(ctx);
  const reader = new Reader(ctx);
  const dirs = new DirCache(ops, undefined, (path, error) =>
    options.warn?.({
      msg: "directory not readable by the server: left out of listings",
      path,
      error: String(error),
    }),
  );
  const lister = new Lister(ops, layout, dirs, describer);
  const versionLister = new VersionLister(ctx, lister, new DirCache(ops, 100_000));
  const deleter = new Deleter(ctx);
  const copier = new Copier(ctx, reader, publisher);
  const putter = new Putter(ctx, publisher);
  const versionLocks = new VersionLocks(ctx);
  const tagging = new ObjectTagging(ctx);
  const acls = new ObjectAcls(ctx);
  if (options.cleanStaleTemps ?? true) void cleanStaleTemps(layout).catch(() => {});
  const multipart = createMultipartStore(ctx, reader, publisher);
  const stopExpiry = options.multipartExpiry ? multipart.startExpiry(options.multipartExpiry) : () => {};
  const stopSweep = options.deadWriterSweep
    ? multipart.startDeadWriterSweep(options.deadWriterSweep)
    : () => {};

  const store: PosixStore = {
    root,
    metadataStore: kind,
    context: ctx,
    publisher,
    quota,
    listBuckets: () => buckets.list(),
    createBucket: async (name, opts) => {
      await buckets.create(name);
      if (opts?.objectLock) {
        await versioning.put(name, "Enabled");
        await locks.put(name, {});
      }
    },
    headBucket: (name) => buckets.head(name),
    getBucketSetting: (bucket, name) => settings.get(bucket, name),
    putBucketSetting: (bucket, name, text) => settings.put(bucket, name, text),
    deleteBucketSetting: (bucket, name) => settings.delete(bucket, name),
    getBucketVersioning: (bucket) => versioning.read(bucket),
    putBucketVersioning: async (bucket, state) => {
      if (state === "Suspended" && (await locks.read(bucket))) throw lockError("InvalidBucketState");
      await versioning.put(bucket, state);
    },
    getObjectLockConfiguration: async (bucket) => {
      const config = await locks.read(bucket);
      if (!config) throw lockError("ObjectLockConfigurationNotFoundError");
      return config;
    },
    hasDefaultRetention: async (bucket) =>
      isValidBucketName(bucket) && (await locks.get(bucket))?.defaultRetention !== undefined,
    putObjectLockConfiguration: async (bucket, config) => {
      if (!(await locks.read(bucket)) && (await versioning.read(bucket)) !== "Enabled") {
        throw lockError(
          "InvalidBucketState",
          "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
        );
      }
      await locks.put(bucket, config);
    },
    getObjectLock: (bucket, key, versionId) => versionLocks.get(bucket, key, versionId),
    putObjectRetention: (input) => versionLocks.putRetention(input),
    putObjectLegalHold: (input) => versionLocks.putLegalHold(input),
    getObjectTagging: (bucket, key, versionId) => tagging.get(bucket, key, versionId),
    putObjectTagging: (bucket, key, versionId, tags) => tagging.put(bucket, key, versionId, tags),
    getBucketLifecycle: (bucket) => lifecycleConfigs.read(bucket),
    putBucketLifecycle: (bucket, config) => lifecycleConfigs.put(bucket, config),
    deleteBucketLifecycle: (bucket) => lifecycleConfigs.delete(bucket),
    objectExpiration: (bucket, o) =>
      isValidBucketName(bucket) ? objectExpiration(ctx, bucket, o) : Promise.resolve(undefined),
    getObjectAcl: (bucket, key, versionId) => acls.get(bucket, key, versionId),
    putObjectAcl: (bucket, key, versionId, acl) => acls.put(bucket, key, versionId, acl),
    deleteBucket: (name) => buckets.delete(name),
    bindBucket: (name, dir) => buckets.bind(name, dir),
    unlinkBucket: (name) => buckets.unlink(name),
    putObject: (input) => putter.put(input),
    openObject: (bucket, key, keys, versionId, access) => reader.open(bucket, key, keys, versionId, access),
    headObject: (bucket, key, keys, versionId, access) => reader.head(bucket, key, keys, versionId, access),
    deleteObject: (bucket, key, versionId, opts) => deleter.delete(bucket, key, versionId, opts),
    copyObject: (input) => copier.copy(input),
    list: (input) => lister.list(input),
    listObjectVersions: (input) => versionLister.list(input),
    multipart,
    close: async () => {
      clearInterval(bindsWatch);
      format.stop();
      stopExpiry();
      stopSweep();
      await stopLifecycle();
      await quota.close();
      await releaseLease();
    },
  };
  // Everything outside storage (and the lifecycle worker) speaks S3 keys: the wrapped store.
  const keyed = withKeyPlaces(store, new KeyPlaces(ctx));
  const stopLifecycle = options.lifecycleWorker
    ? startLifecycleWorker(
        {
          ctx,
          store: keyed,
          rulesOf: (bucket) => lifecycleRules(ctx, bucket),
        },
        options.lifecycleWorker,
      )
    : async () => {};
  return keyed;
}
