import type { MetricsSnapshot } from "../s3/metrics-snapshot.ts";

/** How long a scrape waits for the supervisor to bring the siblings' metrics (it waits 1 s for each). */
const peersTimeoutMs = 3000;

/** What a worker and its supervisor (serve-supervisor.ts) tell each other over Bun's IPC channel. */
export type WorkerMessage =
  | { type: "ready"; port: number; httpPort?: number; consolePort?: number }
  | { type: "metrics-ask"; id: number; own: MetricsSnapshot }
  | { type: "metrics-snapshot"; id: number; snapshot: MetricsSnapshot };

export type SupervisorMessage =
  | { type: "metrics-peers"; id: number; snapshots: MetricsSnapshot[] }
  | { type: "metrics-snapshot"; id: number };

function send(message: WorkerMessage): void {
  process.send?.(message);
}

/**
 * The worker's end of the channel: announces that it listens, answers the supervisor's requests for
 * its metrics, and asks for its siblings' when it answers a scrape. A scrape the siblings cannot be
 * added to fails (500) rather than show smaller totals than the last one.
 */
export function createWorkerChannel() {
  const waiting = new Map<number, (snapshots: MetricsSnapshot[]) => void>();
  let nextId = 0;
  let snapshotOf: (() => MetricsSnapshot) | undefined;
  process.on("message", (message: SupervisorMessage) => {
    if (message?.type === "metrics-peers") waiting.get(message.id)?.(message.snapshots);
    else if (message?.type === "metrics-snapshot" && snapshotOf) {
      send({ type: "metrics-snapshot", id: message.id, snapshot: snapshotOf() });
    }
  });
  return {
    peerMetrics(own: MetricsSnapshot): Promise<MetricsSnapshot[]> {
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error("the host's other workers did not report their metrics"));
        }, peersTimeoutMs);
        waiting.set(id, (snapshots) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(snapshots);
        });
        send({ type: "metrics-ask", id, own });
      });
    },
    /** From now on the supervisor's requests for this worker's metrics are answered from `source`. */
    answerWith(source: () => MetricsSnapshot): void {
      snapshotOf = source;
    },
    ready(ports: { port: number; httpPort?: number; consolePort?: number }): void {
      send({ type: "ready", ...ports });
    },
  };
}
