import { S3Error } from "../errors.ts";
import type { SizeRange } from "./post-policy.ts";

/**
 * The file of a POST upload, checked against the policy's content-length-range as it streams:
 * EntityTooLarge as soon as it passes the maximum (nothing more is read), EntityTooSmall at its
 * end. Either fails the store's write, which then publishes nothing.
 */
export function sizeChecked(
  stream: ReadableStream<Uint8Array>,
  range: SizeRange,
): ReadableStream<Uint8Array> {
  let size = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.length;
        if (size > range.max) {
          controller.error(
            new S3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", {
              ProposedSize: String(size),
              MaxSizeAllowed: String(range.max),
            }),
          );
          return;
        }
        controller.enqueue(chunk);
      },
      flush(controller) {
        if (size < range.min) {
          controller.error(
            new S3Error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", {
              ProposedSize: String(size),
              MinSizeAllowed: String(range.min),
            }),
          );
        }
      },
    }),
  );
}
