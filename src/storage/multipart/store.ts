/** The multipart half of the POSIX store: wires uploads, parts, completion, listing and expiry. */
import type { StoreContext } from "../context.ts";
import type { MultipartStore } from "../object-store.ts";
import type { Publisher } from "../objects/publish.ts";
import type { Reader } from "../objects/reader.ts";
import { type DeadWriterSweepOptions, startDeadWriterSweep } from "../sweeps/dead-writers.ts";
import { reserveVersionId } from "../versions/reserve.ts";
import { Completer } from "./complete.ts";
import { CompletedUploads } from "./completed.ts";
import { type ExpiryOptions, startUploadExpiry } from "./expiry.ts";
import { pageUploads } from "./listing.ts";
import { Parts } from "./parts.ts";
import { Uploads } from "./uploads.ts";

export interface PosixMultipartStore extends MultipartStore {
  /** Starts removing incomplete uploads older than options.maxAgeMs; returns stop. */
  startExpiry(options: ExpiryOptions): () => void;
  /** Starts sweeping dead processes' temp files and Completes; returns stop. */
  startDeadWriterSweep(options: DeadWriterSweepOptions): () => void;
}

export function createMultipartStore(
  ctx: StoreContext,
  reader: Reader,
  publisher: Publisher,
): PosixMultipartStore {
  const uploads = new Uploads(ctx);
  const parts = new Parts(ctx, uploads, reader);
  const completer = new Completer(ctx, uploads, parts, publisher, new CompletedUploads(ctx, reader));
  return {
    create: (input) => uploads.create(input),
    uploadPart: (input) => parts.upload(input),
    uploadPartCopy: (input) => parts.uploadCopy(input),
    complete: (input) => completer.complete(input),
    reserveVersionId: (bucket, key) => reserveVersionId(ctx, bucket, key),
    describe: (bucket, key, uploadId) => uploads.read(bucket, uploadId, key),
    abort: async (bucket, key, uploadId) => {
      await uploads.read(bucket, uploadId, key);
      await uploads.discard(bucket, uploadId);
    },
    listParts: (input) => parts.list(input),
    listUploads: async (input) => pageUploads(await uploads.all(input.bucket), input),
    startExpiry: (options) => startUploadExpiry(ctx, uploads, options),
    startDeadWriterSweep: (options) => startDeadWriterSweep(ctx, uploads, options),
  };
}
