/**
 * The Node twin of ../open-beneath.ts: no openat2 here, so callers keep the open + readlink
 * path, which gives the same guarantees with one more system call.
 */
export function openBeneathRoot(_dir: string): number | undefined {
  return undefined;
}

export function openBeneath(_dirFd: number, _relative: string, _flags: number): number | undefined {
  return undefined;
}
