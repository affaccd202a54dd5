/**
 * A sweep run every interval by every host: never two at once in one process, the first run at a
 * random moment within firstWithinMs (hosts started together sweep at different moments), timers
 * unref'd so they never keep the process alive.
 */
export interface PeriodicSweep<R> {
  intervalMs: number;
  firstWithinMs: number;
  sweep: () => Promise<R>;
  /** Whether a result is worth reporting (something was removed). */
  worthReporting: (result: R) => boolean;
  onSweep?: (result: R) => void;
  onError?: (error: unknown) => void;
}

/** Starts the sweep; returns stop. */
export function startPeriodicSweep<R>(p: PeriodicSweep<R>): () => void {
  let running = false;
  let stopped = false;
  const run = async () => {
    if (running || stopped) return;
    running = true;
    try {
      const result = await p.sweep();
      if (p.worthReporting(result)) p.onSweep?.(result);
    } catch (e) {
      p.onError?.(e);
    } finally {
      running = false;
    }
  };
  const first = setTimeout(run, Math.random() * p.firstWithinMs);
  const timer = setInterval(run, p.intervalMs);
  first.unref();
  timer.unref();
  return () => {
    stopped = true;
    clearTimeout(first);
    clearInterval(timer);
  };
}
