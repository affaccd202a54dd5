/**
 * The worker's pacing: a pause between pages and a cap on deletions per second, so that a
 * large expiry never crowds out the requests being served. stop() wakes every wait at once.
 */
export class Pacer {
  private nextDeleteAt = 0;
  private stopped = false;
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly pauseMs: number,
    private readonly deletesPerSecond: number,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Resolves when the next deletion may go (at most deletesPerSecond). */
  async beforeDelete(): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.nextDeleteAt);
    this.nextDeleteAt = at + 1000 / Math.max(1, this.deletesPerSecond);
    if (at > now) await this.sleep(at - now);
  }

  /** The pause between two pages. */
  betweenPages(): Promise<void> {
    return this.sleep(this.pauseMs);
  }

  sleep(ms: number): Promise<void> {
    if (this.stopped || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref?.();
      this.sleepers.add(wake);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const wake of [...this.sleepers]) wake();
  }
}
