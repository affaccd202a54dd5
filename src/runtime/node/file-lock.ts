/**
 * flock(2) through koffi, the Node twin of ../file-lock.ts: the same lock files and the same
 * cluster-wide locks, so Bun and Node hosts exclude each other. Taken non-blocking and polled.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Errno, errnoError, libc } from "./libc.ts";

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

/** Tries once to lock fd exclusively; false when another holder has it. */
export function tryLockExclusive(fd: number): boolean {
  if (libc.flock(fd, LOCK_EX | LOCK_NB) === 0) return true;
  const err = errnoError("flock");
  if (err.errno === -Errno.EAGAIN || err.errno === -Errno.EINTR) return false;
  throw err;
}

export function unlock(fd: number): void {
  libc.flock(fd, LOCK_UN);
}

/** Polls tryLockExclusive until timeoutMs; false on timeout. */
export async function lockExclusive(fd: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let wait = 1;
  for (;;) {
    if (tryLockExclusive(fd)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(wait);
    wait = Math.min(wait * 2, 25);
  }
}
