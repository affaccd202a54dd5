/** What the storage modules share: one per store. */
import type { FsOps } from "../runtime/fs-ops.ts";
import type { ParentDirs } from "./layout/parent-dirs.ts";
import type { Layout } from "./layout/paths.ts";
import type { LifecycleConfigs } from "./lifecycle/config.ts";
import type { LifecycleClock } from "./lifecycle/types.ts";
import type { ObjectLockConfigs } from "./lock/config.ts";
import type { LockGuard } from "./lock/protect.ts";
import type { Describer } from "./metadata/describe.ts";
import type { MetadataStore } from "./metadata/store.ts";
import type { QuotaGate } from "./quota/gate.ts";
import type { SseKeyring } from "./sse/keyring.ts";
import type { KmsKeyring } from "./sse/kms-keyring.ts";
import type { VersioningStates } from "./versions/state.ts";

/** Where a test may stop a request to kill the host at a known point (see host/test-pause.ts). */
export type PausePoint = "complete-assembled" | "version-kept";

export interface StoreContext {
  ops: FsOps;
  layout: Layout;
  meta: MetadataStore;
  describer: Describer;
  parents: ParentDirs;
  /** fsync files and their directories before acknowledging a write. */
  fsync: boolean;
  /** Each bucket's versioning state (cached, revalidated cheaply). */
  versioning: VersioningStates;
  /** Each bucket's object lock configuration (cached like versioning; asked by versioned writes only). */
  locks: ObjectLockConfigs;
  /** Protects locked current versions from POSIX users (owner, mode, immutable flag). */
  guard: LockGuard;
  /** The SSE master key ring (loaded on first use). */
  sse?: SseKeyring;
  /** The SSE-KMS key ring (named keys in the system directory). */
  kms?: KmsKeyring;
  /** Lifecycle days: real ones, or shortened for tests. */
  lifecycle: LifecycleClock;
  /** Each bucket's lifecycle configuration (cached like versioning; see lifecycle/config.ts). */
  lifecycleConfigs: LifecycleConfigs;
  /** Hard bucket quotas: what each write is charged (quota/gate.ts). */
  quota: QuotaGate;
  /** Test hook: resolves when the request may go on; absent in production. */
  pause?: (point: PausePoint) => Promise<void>;
}
