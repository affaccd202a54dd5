/**
 * How writes pay for their bytes in a bucket with a quota: a body of known size is charged
 * before a byte is read, a streamed one (aws-chunked without a decoded length, chunked
 * transfer) as it grows, so it stops at the limit; an overwrite in an unversioned bucket gives
 * back the bytes it replaces (a versioned one keeps them as a noncurrent version).
 */
import type { StoreContext } from "../context.ts";
import { isWholeBody, type UploadSource } from "../types.ts";
import type { Charge } from "./gate.ts";

export interface ChargedBody<B extends UploadSource> {
  body: B;
  charge: Charge | undefined;
}

/** Charges expectedSize now, or wraps body to charge each chunk as it arrives. */
export async function chargeBody<B extends UploadSource>(
  ctx: StoreContext,
  bucket: string,
  body: B,
  expectedSize: number | undefined,
): Promise<ChargedBody<B | ReadableStream<Uint8Array>>> {
  const charge = await ctx.quota.open(bucket);
  if (!charge) return { body, charge };
  const size = isWholeBody(body) ? body.size : expectedSize;
  if (size !== undefined || isWholeBody(body)) {
    try {
      await charge.add(size ?? 0);
    } catch (e) {
      await body.cancel().catch(() => {});
      throw e;
    }
    return { body, charge };
  }
  const metered = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        await charge.add(chunk.length);
        controller.enqueue(chunk);
      },
    }),
  );
  return { body: metered, charge };
}

/** The size of the file a write to key would replace (0 when versioned or absent). */
export async function replacedBytes(ctx: StoreContext, bucket: string, key: string): Promise<number> {
  if ((await ctx.versioning.get(bucket)) !== "Unversioned") return 0;
  const st = await ctx.ops.lstat(ctx.layout.object(bucket, key)).catch(() => undefined);
  return st?.isFile() ? Number(st.size) : 0;
}

/**
 * Runs a write that was charged: on success the charge has landed and the replaced bytes are
 * given back; on failure the charge is returned unspent.
 */
export async function countedWrite<T>(
  ctx: StoreContext,
  charge: Charge | undefined,
  key: string | undefined,
  write: () => Promise<T>,
): Promise<T> {
  if (!charge) return write();
  const replaced = key === undefined ? 0 : await replacedBytes(ctx, charge.bucket, key);
  let result: T;
  try {
    result = await write();
  } catch (e) {
    charge.failed();
    throw e;
  }
  charge.landed();
  await ctx.quota.freed(charge.bucket, replaced);
  return result;
}
