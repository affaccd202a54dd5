/**
 * Whether an upload chunk may be written with a blocking call on the event loop. Such a write
 * normally returns in tens of microseconds (the data goes to the page cache), but when the
 * kernel throttles writers (too much dirty data for the disk to keep up) it sleeps, and every
 * request of the host waits with it. One slow blocking write sends this process's chunk writes
 * to the thread pool for a while; then blocking writes are tried again.
 */
export class BlockingWriteGuard {
  private poolUntil = 0;

  constructor(
    /** A blocking write slower than this counts as a stall. */
    private readonly stallMs = 2,
    /** How long chunk writes stay on the pool after a stall. */
    private readonly cooldownMs = 1000,
  ) {}

  allowed(now: number): boolean {
    return now >= this.poolUntil;
  }

  /** Records one blocking write that started at `started` and ended at `now`. */
  wrote(started: number, now: number): void {
    if (now - started > this.stallMs) this.poolUntil = now + this.cooldownMs;
  }
}

export const chunkWriteGuard = new BlockingWriteGuard();
