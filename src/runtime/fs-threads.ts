/**
 * Off-loop forms of the synchronous calls that Node's fs lacks, for network filesystems, where
 * each call waits for the server and must not stall the event loop:
 *
 * - openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS (open-beneath.ts): the kernel refuses
 *   symlinks and escapes itself, so an open needs no readlink of /proc/self/fd;
 * - getxattr (xattr.ts), so that many records can be read at once (a listing's first walk);
 * - fsetxattr, a PUT's record.
 *
 * They run on a small pool of worker threads (fs-thread.ts), started at the first call; a call
 * goes to the worker with the fewest pending. A worker keeps the process alive only while it
 * has calls pending. The Node build swaps this module for node/fs-threads.ts.
 */
import type { FsReply, FsRequest } from "./fs-thread.ts";

/** Bun's Worker, which can stop keeping the process alive. */
type RefWorker = Worker & { ref(): void; unref(): void };

interface Pending {
  resolve: (value: number | Uint8Array | undefined) => void;
  reject: (e: unknown) => void;
}

interface Thread {
  worker: RefWorker;
  pending: Map<number, Pending>;
}

/** As many as the runtime's own file-system pool keeps busy on a network filesystem. */
const THREADS = 4;
const threads: Thread[] = [];
let usable = process.platform === "linux";
let beneathAvailable = usable;
let nextId = 0;

type Distribute<T> = T extends unknown ? Omit<T, "id"> : never;

function spawn(): Thread | undefined {
  let worker: RefWorker;
  try {
    worker = new Worker(new URL("./fs-thread.ts", import.meta.url).href) as RefWorker;
  } catch {
    usable = false;
    return undefined;
  }
  const thread: Thread = { worker, pending: new Map() };
  worker.onmessage = (event: MessageEvent<FsReply>) => {
    const reply = event.data;
    const p = thread.pending.get(reply.id);
    if (!p) return;
    thread.pending.delete(reply.id);
    if (thread.pending.size === 0) worker.unref();
    if ("error" in reply) p.reject(Object.assign(new Error(reply.error.message), reply.error));
    else p.resolve(reply.value);
  };
  worker.onerror = (event) => {
    usable = false;
    for (const p of thread.pending.values())
      p.reject(new Error(`file-system worker failed: ${event.message}`));
    thread.pending.clear();
    worker.unref();
  };
  worker.unref();
  threads.push(thread);
  return thread;
}

function pick(): Thread | undefined {
  let best: Thread | undefined;
  for (const t of threads) if (!best || t.pending.size < best.pending.size) best = t;
  if ((!best || best.pending.size > 0) && threads.length < THREADS) return spawn() ?? best;
  return best;
}

function call(req: Distribute<FsRequest>): Promise<number | Uint8Array | undefined> | undefined {
  const thread = usable ? pick() : undefined;
  if (!thread) return undefined;
  const id = nextId++;
  return new Promise((resolve, reject) => {
    if (thread.pending.size === 0) thread.worker.ref();
    thread.pending.set(id, { resolve, reject });
    thread.worker.postMessage({ ...req, id } as FsRequest);
  });
}

/**
 * Opens `relative` below the directory open on dirFd, following no symlink, off the event
 * loop; undefined when openat2 cannot be used here (callers fall back to open + readlink).
 * Errors are Node-shaped (code, errno, syscall).
 */
export async function openBeneathAsync(
  dirFd: number,
  relative: string,
  flags: number,
): Promise<number | undefined> {
  if (!beneathAvailable) return undefined;
  const fd = (await call({ op: "openBeneath", dirFd, relative, flags })) as number | undefined;
  if (fd === undefined) beneathAvailable = false;
  return fd;
}

/**
 * An attribute of a path (never following a symlink), off the event loop; undefined when
 * missing. Where no worker can run, the synchronous call answers.
 */
export function lGetXattrAsync(
  path: string,
  name: string,
  fallback: () => Uint8Array | undefined,
): Promise<Uint8Array | undefined> {
  const p = call({ op: "lgetxattr", path, name }) as Promise<Uint8Array | undefined> | undefined;
  return p ?? Promise.resolve().then(fallback);
}

/** An attribute of an open file, off the event loop, as lGetXattrAsync. */
export function fGetXattrAsync(
  fd: number,
  name: string,
  fallback: () => Uint8Array | undefined,
): Promise<Uint8Array | undefined> {
  const p = call({ op: "fgetxattr", fd, name }) as Promise<Uint8Array | undefined> | undefined;
  return p ?? Promise.resolve().then(fallback);
}

/** Sets an attribute of an open file off the event loop, as fGetXattrAsync. */
export function fSetXattrAsync(
  fd: number,
  name: string,
  value: Uint8Array,
  fallback: () => void,
): Promise<void> {
  const p = call({ op: "fsetxattr", fd, name, value }) as Promise<undefined> | undefined;
  return p ? p.then(() => {}) : Promise.resolve().then(fallback);
}
