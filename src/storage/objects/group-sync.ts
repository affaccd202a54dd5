/**
 * Durable publishing (`--fsync on`) with group commit. A PUT is acknowledged only once its
 * file (data, size, metadata xattr) and the directory entry its rename created are on stable
 * storage. The file's own fsync cannot be shared: each file is synced, off the event loop, before
 * its rename (a crash must never leave the key naming a torn file). The directory's fsync can
 * be: every PUT that renamed into a directory while a sync of it was running joins the next
 * one, which starts when the running one ends, so N concurrent PUTs into one directory cost
 * about two directory syncs instead of N, and none waits for a sync that began before its rename.
 *
 * Queues are keyed by the directory's path. A directory replaced under the same path (removed
 * and made again) is a different inode: when a sync starts, its members' descriptors are
 * grouped by the path the kernel gives each one right then (two descriptors with the same path
 * at the same instant name the same directory), and one descriptor of each group is synced.
 * Members keep their descriptors open until their sync has resolved.
 */

import { fsOps } from "../../runtime/fs-ops.ts";
import { fdPath } from "../layout/paths.ts";

/** fsync always runs off the event loop: it waits for the disk, and other requests need not. */
const offLoop = fsOps(false);

/** fsync of one file, off the event loop. */
export function syncFile(fd: number): Promise<void> {
  return offLoop.fsync(fd);
}

interface Batch {
  fds: number[];
  done: Promise<void>;
  start: () => void;
}

interface Queue {
  running?: Batch;
  next?: Batch;
}

export class DirectorySyncs {
  private readonly queues = new Map<string, Queue>();
  /** Directory syncs started (for tests and metrics). */
  syncs = 0;

  /**
   * Resolves once a sync of the directory open on fd, started after this call, has completed.
   * dirPath names the queue; fd must stay open until the promise settles.
   */
  sync(dirPath: string, fd: number): Promise<void> {
    let queue = this.queues.get(dirPath);
    if (!queue) {
      queue = {};
      this.queues.set(dirPath, queue);
    }
    if (queue.next) {
      queue.next.fds.push(fd);
      return queue.next.done;
    }
    const batch = this.batch(dirPath, queue, fd);
    if (queue.running) queue.next = batch;
    else {
      queue.running = batch;
      batch.start();
    }
    return batch.done;
  }

  private batch(dirPath: string, queue: Queue, fd: number): Batch {
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const batch: Batch = {
      fds: [fd],
      done,
      start: () => {
        this.run(batch.fds)
          .then(resolve, reject)
          .finally(() => this.finished(dirPath, queue));
      },
    };
    return batch;
  }

  private async run(fds: number[]): Promise<void> {
    const byDirectory = new Map<string, number>();
    for (const fd of fds) {
      let path: string;
      try {
        path = fdPath(fd);
      } catch {
        path = `fd:${fd}`;
      }
      if (!byDirectory.has(path)) byDirectory.set(path, fd);
    }
    this.syncs += byDirectory.size;
    await Promise.all([...byDirectory.values()].map((fd) => offLoop.fsync(fd)));
  }

  private finished(dirPath: string, queue: Queue): void {
    queue.running = queue.next;
    queue.next = undefined;
    if (queue.running) queue.running.start();
    else this.queues.delete(dirPath);
  }
}
