/**
 * copy_file_range(2) through koffi, the Node twin of ../copy-file-range.ts (same slicing, same
 * "unsupported" answer when the kernel refuses the first call).
 */
import { Errno, errnoError, libc } from "./libc.ts";

export const COPY_SLICE = 32 * 1024 * 1024;

const unsupported = new Set<number>([Errno.EXDEV, Errno.ENOSYS, Errno.EOPNOTSUPP, Errno.EINVAL, Errno.EBADF]);

const offIn = new BigInt64Array(1);
const offOut = new BigInt64Array(1);

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Copies length bytes from inFd at inOffset to outFd at outOffset (file offsets of the
 * descriptors are not used or moved). Resolves "unsupported" when the kernel refuses the very
 * first call (nothing was copied then); throws on other errors or when the source ends early.
 */
export async function copyFileRange(
  inFd: number,
  inOffset: number,
  outFd: number,
  outOffset: number,
  length: number,
  slice = COPY_SLICE,
): Promise<"copied" | "unsupported"> {
  let done = 0;
  while (done < length) {
    offIn[0] = BigInt(inOffset + done);
    offOut[0] = BigInt(outOffset + done);
    const n = Number(libc.copy_file_range(inFd, offIn, outFd, offOut, Math.min(slice, length - done), 0));
    if (n < 0) {
      const error = errnoError("copy_file_range");
      if (error.errno === -Errno.EINTR || error.errno === -Errno.EAGAIN) continue;
      if (done === 0 && unsupported.has(-(error.errno ?? 0))) return "unsupported";
      throw error;
    }
    if (n === 0) throw new Error(`copy_file_range: source ended ${length - done} bytes early`);
    done += n;
    if (done < length) await yieldToLoop();
  }
  return "copied";
}
