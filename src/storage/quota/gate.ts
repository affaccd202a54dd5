/**
 * Enforcing hard bucket quotas across hosts without a scan per request (docs/architecture.md,
 * "Bucket quotas"). Each host takes grants of headroom from the bucket's shared ledger
 * (ledger.ts) under its flock and spends them in memory; it settles what it spent and freed
 * every SETTLE_MS, and when a grant runs out. A grant not renewed within STALE_MS is a dead
 * host's: it is counted as spent, so a host that dies mid-write cannot push the bucket over.
 * One host at a time recounts a bucket (recount.ts) every recount interval, which brings files
 * written or removed through POSIX into the count.
 */
import type { FsOps } from "../../runtime/fs-ops.ts";
import { StorageError } from "../errors.ts";
import type { Layout } from "../layout/paths.ts";
import { type FsQuotaRecord, setFsQuota, unsetFsQuota } from "./fs-quota.ts";
import { type Ledger, readLedger, withLedger } from "./ledger.ts";
import type { QuotaLimits } from "./limits.ts";
import { type RecountCursor, recountSlice } from "./recount.ts";

const MiB = 1024 * 1024;
const GRANT_MAX = 64 * MiB;
const SETTLE_MS = 1000;
const STALE_MS = 30_000;
/** A grant unused this long goes back to the ledger. */
const IDLE_MS = 10_000;
/** A recount slice not finished within this is taken over by another host. */
const RECOUNT_STALE_MS = 10 * 60_000;
/** Entries a recount slice walks before it saves its cursor. */
const RECOUNT_SLICE_ENTRIES = 20_000;
/** How long one host goes on with slices before it leaves the next one to any host. */
const RECOUNT_TURN_MS = 30_000;

interface Local {
  grant: number;
  spent: number;
  freed: number;
  inflight: number;
  /** The recount generation `freed` belongs to (-1: none known yet). */
  gen: number;
  renewedAt: number;
  spentAt: number;
  queue: Promise<unknown>;
}

export interface QuotaGateOptions {
  /** This process's id in the ledgers (its writer id). */
  hostId: string;
  /** How often a bucket with a quota is recounted. */
  recountIntervalMs: number;
  /** Entries per recount slice (default RECOUNT_SLICE_ENTRIES). */
  recountSliceEntries?: number;
  /** Slices one host works in a row before leaving the rest to any host (default by time). */
  recountTurnSlices?: number;
}

/** Bytes charged to a bucket for one write: landed() once published, failed() when not. */
export class Charge {
  bytes = 0;
  private done = false;

  constructor(
    private readonly gate: QuotaGate,
    readonly bucket: string,
    readonly hard: number,
  ) {}

  async add(bytes: number): Promise<void> {
    await this.gate.spend(this.bucket, this.hard, bytes);
    this.bytes += bytes;
  }
  landed(): void {
    if (this.done) return;
    this.done = true;
    this.gate.local(this.bucket).inflight -= this.bytes;
  }
  failed(): void {
    if (this.done) return;
    this.done = true;
    const s = this.gate.local(this.bucket);
    s.inflight -= this.bytes;
    s.spent -= this.bytes;
    s.grant += this.bytes;
  }
}

export function quotaExceeded(bucket: string, hard: number): StorageError {
  return new StorageError(
    "QuotaExceeded",
    `The bucket '${bucket}' has reached its hard quota of ${hard} bytes (${formatBytes(hard)}).`,
  );
}

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : Number(v.toFixed(2))} ${units[i]}`;
}

export class QuotaGate {
  private readonly locals = new Map<string, Local>();
  private timers: ReturnType<typeof setInterval>[] = [];

  constructor(
    private readonly ops: FsOps,
    private readonly layout: Layout,
    readonly limits: QuotaLimits,
    private readonly options: QuotaGateOptions,
  ) {}

  /** A charge for a write into bucket, undefined when the bucket has no quota (the cheap path). */
  async open(bucket: string): Promise<Charge | undefined> {
    const hard = await this.limits.get(bucket);
    return hard === undefined ? undefined : new Charge(this, bucket, hard);
  }

  /**
   * The ledger's recount generation, read before a delete removes bytes and handed to freed():
   * a recount finished after this read may not have counted them. Undefined without a quota.
   */
  async freeing(bucket: string): Promise<number | undefined> {
    if ((await this.limits.get(bucket)) === undefined) return undefined;
    return (await readLedger(this.layout, bucket)).gen;
  }

  /**
   * Gives back the bytes of a file that a write or delete removed (nothing without a quota).
   * gen: what freeing() read before the removal; without it, the generation this host last
   * settled at, which a write's charge has just brought up to date.
   */
  async freed(bucket: string, bytes: number, gen?: number): Promise<void> {
    if (bytes <= 0 || (await this.limits.get(bucket)) === undefined) return;
    const s = this.local(bucket);
    if (gen !== undefined && gen !== s.gen) {
      // A recount finished since one of the two was read: the older frees may be in its count.
      if (gen < s.gen) return;
      s.freed = 0;
      s.gen = gen;
    }
    s.freed += bytes;
  }

  /**
   * Refuses with QuotaExceeded when the bucket already uses more than its quota (a Complete,
   * whose parts were counted when uploaded, adds nothing but may not finish over the quota).
   */
  async checkNotOver(bucket: string): Promise<void> {
    const hard = await this.limits.get(bucket);
    if (hard === undefined) return;
    const used = await this.serial(bucket, () =>
      withLedger(this.ops, this.layout, bucket, (l) => {
        this.settleInto(l, bucket, Date.now());
        return l.used;
      }),
    );
    if (used > hard) throw quotaExceeded(bucket, hard);
  }

  local(bucket: string): Local {
    let s = this.locals.get(bucket);
    if (!s) {
      s = {
        grant: 0,
        spent: 0,
        freed: 0,
        inflight: 0,
        gen: -1,
        renewedAt: 0,
        spentAt: 0,
        queue: Promise.resolve(),
      };
      this.locals.set(bucket, s);
    }
    return s;
  }

  async spend(bucket: string, hard: number, bytes: number): Promise<void> {
    if (this.spendLocally(bucket, bytes)) return;
    await this.serial(bucket, async () => {
      if (this.spendLocally(bucket, bytes)) return;
      await withLedger(this.ops, this.layout, bucket, (l) => this.refill(l, bucket, hard, bytes));
    });
  }

  private spendLocally(bucket: string, bytes: number): boolean {
    const s = this.local(bucket);
    const now = Date.now();
    if (s.grant < bytes || now - s.renewedAt > STALE_MS / 2) return false;
    s.grant -= bytes;
    s.spent += bytes;
    s.inflight += bytes;
    s.spentAt = now;
    return true;
  }

  private refill(l: Ledger, bucket: string, hard: number, bytes: number): void {
    const now = Date.now();
    this.settleInto(l, bucket, now);
    const s = this.local(bucket);
    const free = hard - l.used - othersGranted(l, this.options.hostId);
    // A quota lowered below what is granted: this host gives back what is over.
    if (free < s.grant) s.grant = Math.max(0, free);
    const headroom = free - s.grant;
    if (s.grant < bytes) {
      const need = bytes - s.grant;
      if (headroom < need) throw quotaExceeded(bucket, hard);
      s.grant += Math.min(headroom, Math.max(need, Math.min(Math.floor(headroom / 4), GRANT_MAX)));
    }
    s.grant -= bytes;
    s.spent += bytes;
    s.inflight += bytes;
    s.spentAt = now;
    this.record(l, s, now);
  }

  /** Moves this host's spent and freed bytes into the ledger and renews its grant. */
  private settleInto(l: Ledger, bucket: string, now: number, returnGrant = false): void {
    const s = this.local(bucket);
    l.used += s.spent;
    if (s.spent > 0) l.added += s.spent;
    // Frees seen before a recount are already in its count.
    if (s.gen === l.gen) l.used -= s.freed;
    // Another host's bytes spent but not yet settled are in its grant, so a free of them settled
    // first takes used below 0 until it settles; only less than that is drift.
    l.used = Math.max(-othersGranted(l, this.options.hostId), l.used);
    s.spent = 0;
    s.freed = 0;
    s.gen = l.gen;
    for (const [host, g] of Object.entries(l.grants)) {
      if (host !== this.options.hostId && now - g.at > STALE_MS) {
        // A dead host's grant: whatever it wrote with it is assumed written until the next recount.
        l.used += g.bytes + g.inflight;
        l.added += g.bytes + g.inflight;
        delete l.grants[host];
      }
    }
    if (returnGrant || (s.grant > 0 && now - s.spentAt > IDLE_MS)) s.grant = 0;
    this.record(l, s, now);
  }

  private record(l: Ledger, s: Local, now: number): void {
    s.renewedAt = now;
    const bytes = s.grant + s.spent;
    if (bytes <= 0 && s.inflight <= 0) delete l.grants[this.options.hostId];
    else
      l.grants[this.options.hostId] = {
        bytes: Math.max(0, bytes),
        inflight: Math.max(0, s.inflight),
        at: now,
      };
  }

  private serial<T>(bucket: string, run: () => Promise<T>): Promise<T> {
    const s = this.local(bucket);
    const next = s.queue.then(run, run);
    s.queue = next.catch(() => {});
    return next;
  }

  /** Settles every bucket this host has written or freed in; with returnGrants, hands grants back. */
  async settleAll(returnGrants = false): Promise<void> {
    for (const [bucket, s] of [...this.locals]) {
      if (!returnGrants && s.spent === 0 && s.freed === 0 && s.grant === 0 && s.inflight === 0) {
        this.locals.delete(bucket);
        continue;
      }
      await this.serial(bucket, () =>
        withLedger(this.ops, this.layout, bucket, (l) =>
          this.settleInto(l, bucket, Date.now(), returnGrants),
        ),
      ).catch(() => {});
    }
  }

  /**
   * Recounts the bucket when it is due (or now, with force: from the start and to the end), or
   * goes on with a recount under way that no host is working (between slices) or whose host
   * stopped. It walks in slices (recount.ts), saving the count and cursor in the ledger after
   * each, and leaves the rest to any host after its turn. Writes landing during the walk are
   * added on top (counted twice at worst, never missed). True when it finished the count.
   */
  async recount(bucket: string, force = false): Promise<boolean> {
    const host = this.options.hostId;
    const claim = await this.serial(bucket, () =>
      withLedger(this.ops, this.layout, bucket, (l) => {
        const now = Date.now();
        this.settleInto(l, bucket, now);
        const r = l.recount;
        if (r && !force) {
          if (r.host !== "" && r.host !== host && now - r.at < RECOUNT_STALE_MS) return undefined;
          r.host = host;
          r.at = now;
          return { ...r };
        }
        if (!force && l.recountedAt !== undefined && now - l.recountedAt < this.options.recountIntervalMs) {
          return undefined;
        }
        const inflight = Object.values(l.grants).reduce((sum, g) => sum + g.inflight, 0);
        l.recount = { host, at: now, added: l.added, inflight, bytes: 0, cursor: { tree: 0, after: "" } };
        return { ...l.recount };
      }),
    );
    if (!claim) return false;
    let at = claim.at;
    let cursor: RecountCursor = claim.cursor ?? { tree: 0, after: "" };
    const began = Date.now();
    const slice = this.options.recountSliceEntries ?? RECOUNT_SLICE_ENTRIES;
    for (let slices = 1; ; slices++) {
      const counted = await recountSlice(this.layout, bucket, cursor, slice);
      const turnOver = this.options.recountTurnSlices
        ? slices >= this.options.recountTurnSlices
        : Date.now() - began > RECOUNT_TURN_MS;
      const step = await this.serial(bucket, () =>
        withLedger(this.ops, this.layout, bucket, (l) => {
          const now = Date.now();
          this.settleInto(l, bucket, now);
          const r = l.recount;
          if (r?.host !== host || r.at !== at) return "lost" as const;
          const bytes = (r.bytes ?? 0) + counted.bytes;
          if (!counted.next) {
            l.used = bytes + (l.added - r.added) + r.inflight;
            l.gen++;
            l.recountedAt = now;
            delete l.recount;
            return "done" as const;
          }
          r.bytes = bytes;
          r.cursor = counted.next;
          r.at = now;
          if (turnOver && !force) r.host = "";
          return now;
        }),
      );
      if (step === "lost") return false;
      if (step === "done") return true;
      if (turnOver && !force) return false;
      at = step;
      cursor = counted.next!;
    }
  }

  /** The bucket's usage as the ledger knows it (used plus unsettled grants' in-flight bytes). */
  async usage(bucket: string): Promise<{ used: number; hard: number | undefined }> {
    const hard = await this.limits.read(bucket);
    const l = await readLedger(this.layout, bucket);
    return { used: Math.max(0, l.used), hard };
  }

  /** Sets the filesystem's own quota of the bucket too (fs-quota.ts). */
  setFsQuota(bucket: string, bytes: number): Promise<FsQuotaRecord> {
    return setFsQuota(this.layout, bucket, bytes);
  }

  /** Removes the filesystem quota setFsQuota set, if any. */
  unsetFsQuota(bucket: string): Promise<FsQuotaRecord | undefined> {
    return unsetFsQuota(this.layout, bucket);
  }

  /** Starts settling every SETTLE_MS and recounting the buckets with a quota. */
  start(listQuotaBuckets: () => Promise<string[]>): void {
    const settle = setInterval(() => void this.settleAll().catch(() => {}), SETTLE_MS);
    let recounting = false;
    const recount = setInterval(
      async () => {
        if (recounting) return;
        recounting = true;
        try {
          for (const bucket of await listQuotaBuckets()) await this.recount(bucket).catch(() => {});
        } catch {
          // The next round tries again.
        } finally {
          recounting = false;
        }
      },
      Math.min(this.options.recountIntervalMs, 60_000),
    );
    settle.unref();
    recount.unref();
    this.timers.push(settle, recount);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.settleAll(true);
  }
}

function othersGranted(l: Ledger, host: string): number {
  let sum = 0;
  for (const [h, g] of Object.entries(l.grants)) if (h !== host) sum += g.bytes;
  return sum;
}
