/**
 * fsync on a pool of threads of its own. The runtime's file-system thread pool has one thread
 * per core (two here): at most two fsyncs were ever in flight, each waiting for its own journal
 * commit, so concurrent durable PUTs queued behind each other's disk flushes. A journaling
 * filesystem commits every fsync that is waiting when a commit starts in that one commit, so
 * syncs issued side by side cost about one flush: hence more threads than cores, each of which
 * only sleeps in the kernel. Worker threads share the process's descriptor table, so a
 * descriptor is passed as its number; the caller keeps it open until the promise settles.
 */
import { Worker } from "node:worker_threads";

const THREADS = 8;

const workerSource = `
const { parentPort } = require("node:worker_threads");
const { fsyncSync } = require("node:fs");
parentPort.on("message", (m) => {
  try {
    fsyncSync(m.fd);
    parentPort.postMessage({ id: m.id });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: { message: e.message, code: e.code, errno: e.errno, syscall: e.syscall } });
  }
});
`;

interface Reply {
  id: number;
  error?: { message: string; code?: string; errno?: number; syscall?: string };
}

interface Thread {
  worker: Worker;
  pending: Map<number, { resolve: () => void; reject: (e: unknown) => void }>;
}

const threads: Thread[] = [];
let nextId = 0;

function start(): Thread {
  const worker = new Worker(workerSource, { eval: true });
  const thread: Thread = { worker, pending: new Map() };
  worker.unref();
  worker.on("message", (reply: Reply) => {
    const waiter = thread.pending.get(reply.id);
    if (!waiter) return;
    thread.pending.delete(reply.id);
    if (thread.pending.size === 0) worker.unref();
    if (!reply.error) waiter.resolve();
    else waiter.reject(Object.assign(new Error(reply.error.message), reply.error));
  });
  worker.on("error", (e) => {
    for (const waiter of thread.pending.values()) waiter.reject(e);
    thread.pending.clear();
    threads.splice(threads.indexOf(thread), 1);
  });
  threads.push(thread);
  return thread;
}

/** The least busy thread, starting one more while fewer than THREADS run and all are busy. */
function pick(): Thread {
  let best: Thread | undefined;
  for (const t of threads) if (!best || t.pending.size < best.pending.size) best = t;
  if (!best || (best.pending.size > 0 && threads.length < THREADS)) return start();
  return best;
}

/** fsync(fd) on a pool thread; rejects with the errno error (code set) on failure. */
export function fsyncOnPool(fd: number): Promise<void> {
  const thread = pick();
  const id = nextId++;
  return new Promise<void>((resolve, reject) => {
    thread.pending.set(id, { resolve, reject });
    if (thread.pending.size === 1) thread.worker.ref();
    thread.worker.postMessage({ id, fd });
  });
}
