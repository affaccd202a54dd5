import { S3Error } from "./errors.ts";

/** An upload must move at least this much in every body-timeout window. */
export const minBytesPerWindow = 64 * 1024;

interface Tracked {
  received: number;
  windowStartBytes: number;
  windowStartAt: number;
  windowMs: number;
  fail(error: S3Error): void;
}

const active = new Set<Tracked>();
let sweeper: ReturnType<typeof setInterval> | undefined;
let sweepEveryMs = 10_000;

function sweep(): void {
  const now = Date.now();
  for (const t of active) {
    if (now - t.windowStartAt < t.windowMs) continue;
    if (t.received - t.windowStartBytes < minBytesPerWindow) {
      active.delete(t);
      // A no-op when the body already ended with an error (client gone).
      t.fail(
        new S3Error(
          "RequestTimeout",
          "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.",
        ),
      );
      continue;
    }
    t.windowStartAt = now;
    t.windowStartBytes = t.received;
  }
  if (active.size === 0 && sweeper) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

/**
 * Cuts off an upload that trickles: fewer than 64 KiB in any `windowMs` ends it with
 * RequestTimeout (the idle timeout alone lets a client that sends a byte a minute hold a
 * connection forever). Bodies that fit in one window are left alone, so small PUTs pay nothing.
 * One shared timer checks every tracked upload.
 */
export function guardSlowBody(
  stream: ReadableStream<Uint8Array>,
  expectedSize: number | undefined,
  windowMs: number,
): ReadableStream<Uint8Array> {
  if (windowMs <= 0 || (expectedSize !== undefined && expectedSize <= minBytesPerWindow)) return stream;
  let tracked: Tracked | undefined;
  const guard = new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      tracked = {
        received: 0,
        windowStartBytes: 0,
        windowStartAt: Date.now(),
        windowMs,
        fail: (error) => controller.error(error),
      };
      active.add(tracked);
      const every = Math.min(10_000, Math.max(100, Math.floor(windowMs / 4)));
      if (!sweeper || every < sweepEveryMs) {
        if (sweeper) clearInterval(sweeper);
        sweepEveryMs = every;
        sweeper = setInterval(sweep, every);
        (sweeper as { unref?: () => void }).unref?.();
      }
    },
    transform(chunk, controller) {
      tracked!.received += chunk.byteLength;
      controller.enqueue(chunk);
    },
    flush() {
      active.delete(tracked!);
    },
    // A cancelled body (client gone) stays tracked until the next sweep, which drops it.
  });
  return stream.pipeThrough(guard);
}
