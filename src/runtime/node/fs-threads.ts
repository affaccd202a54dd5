/**
 * The Node twin of ../fs-threads.ts: no worker pool here. No openat2 (callers keep the open +
 * readlink path, the same guarantees with one more system call); xattrs are read and set by the
 * synchronous calls.
 */
export function openBeneathAsync(
  _dirFd: number,
  _relative: string,
  _flags: number,
): Promise<number | undefined> {
  return Promise.resolve(undefined);
}

export function lGetXattrAsync(
  _path: string,
  _name: string,
  fallback: () => Uint8Array | undefined,
): Promise<Uint8Array | undefined> {
  return Promise.resolve().then(fallback);
}

export function fGetXattrAsync(
  _fd: number,
  _name: string,
  fallback: () => Uint8Array | undefined,
): Promise<Uint8Array | undefined> {
  return Promise.resolve().then(fallback);
}

export function fSetXattrAsync(
  _fd: number,
  _name: string,
  _value: Uint8Array,
  fallback: () => void,
): Promise<void> {
  return Promise.resolve().then(fallback);
}
