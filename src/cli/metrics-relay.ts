import { addCounters, emptySnapshot, type MetricsSnapshot } from "../s3/metrics-snapshot.ts";

/** How long a scrape waits for a sibling before it uses that sibling's last snapshot. */
const askTimeoutMs = 1000;

/** A worker as the relay sees it: its pid and a way to send it a message. */
export interface RelayPeer {
  pid: number;
  send(message: unknown): void;
}

/**
 * The supervisor's side of /metrics with `--workers N`: a worker answering a scrape sends its own
 * snapshot and gets its siblings' back. Every snapshot a scrape used is remembered, and the counters
 * of a worker that exits (replaced, reloaded) stay in the total, so no counter a scrape has shown
 * goes backwards while the supervisor lives.
 */
export function createMetricsRelay() {
  const latest = new Map<number, MetricsSnapshot>();
  const retired = emptySnapshot();
  const waiting = new Map<number, () => void>();
  let nextId = 0;

  function ask(peer: RelayPeer): Promise<void> {
    const id = ++nextId;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, askTimeoutMs);
      function done() {
        clearTimeout(timer);
        waiting.delete(id);
        resolve();
      }
      waiting.set(id, done);
      try {
        peer.send({ type: "metrics-snapshot", id });
      } catch {
        done();
      }
    });
  }

  return {
    /** A worker's answer to a "metrics-snapshot" message. */
    answered(pid: number, id: number, snapshot: MetricsSnapshot): void {
      latest.set(pid, snapshot);
      waiting.get(id)?.();
    },
    /** The snapshots to add to `asker`'s own: its live siblings' and those of workers gone. */
    async gather(
      asker: number,
      own: MetricsSnapshot,
      siblings: readonly RelayPeer[],
    ): Promise<MetricsSnapshot[]> {
      latest.set(asker, own);
      await Promise.all(siblings.filter((p) => p.pid !== asker).map(ask));
      const peers = siblings.flatMap((p) => (p.pid === asker ? [] : (latest.get(p.pid) ?? [])));
      return [addCounters(emptySnapshot(), retired), ...peers];
    },
    /** A worker exited: its last known counters join the total of workers gone. */
    retire(pid: number): void {
      const last = latest.get(pid);
      if (last) addCounters(retired, last);
      latest.delete(pid);
    },
  };
}
