/**
 * CompleteMultipartUpload. The upload directory is first claimed by renaming it from
 * `uploads/<id>` to `completing/<id>.<writer id>` (the claimant, see ../sweeps/writer-lease.ts: a claim
 * whose process died is rolled back by any host, uploads.ts): of two Completes (on any hosts) only one rename
 * succeeds, the other sees NoSuchUpload, and no part can be added or replaced meanwhile (a
 * part's rename into the old path fails). Then the listed parts are opened and validated, the
 * ETag and checksum derived from their records, the bytes concatenated by the kernel into a
 * staging file, and that file published like a put (atomic rename, If-Match/If-None-Match
 * honoured). Until the publish the key shows its old content. Any failure before the publish
 * puts the directory back, so the client can fix its request and complete again; after it the
 * directory is removed.
 */
import type { StoreContext } from "../context.ts";
import { StorageError } from "../errors.ts";
import { isDirectoryKey } from "../layout/keys.ts";
import { writerId } from "../layout/temp-names.ts";
import type { FinishedTemp, Publisher } from "../objects/publish.ts";
import { checkWritePath } from "../permissions/path-checks.ts";
import { replacedBytes } from "../quota/counted-writes.ts";
import type { SseRecord } from "../sse/records.ts";
import { recoverUploadKey } from "../sse/sealing.ts";
import type { ObjectAttributes, PartsLayout, StoredChecksum } from "../types.ts";
import { assembleParts } from "./assemble.ts";
import { multipartChecksum, multipartEtag, sameObjectChecksum } from "./checksums.ts";
import type { CompletedUploads } from "./completed.ts";
import type { Parts } from "./parts.ts";
import type { CompleteInput, CompleteResult, PartInfo, UploadInfo } from "./types.ts";
import type { Uploads } from "./uploads.ts";

/** The bytes of the regular files directly in dir. */
async function filesBytes(ctx: StoreContext, dir: string): Promise<number> {
  let sum = 0;
  for (const d of await ctx.ops.readdir(dir).catch(() => [])) {
    if (!d.isFile()) continue;
    const st = await ctx.ops.lstat(`${dir}/${d.name}`).catch(() => undefined);
    if (st?.isFile()) sum += Number(st.size);
  }
  return sum;
}

export const MIN_PART_SIZE = 5 * 1024 * 1024;

export class Completer {
  constructor(
    private readonly ctx: StoreContext,
    private readonly uploads: Uploads,
    private readonly parts: Parts,
    private readonly publisher: Publisher,
    private readonly completed: CompletedUploads,
  ) {}

  async complete(input: CompleteInput): Promise<CompleteResult> {
    const { bucket, uploadId: id } = input;
    let upload: UploadInfo;
    try {
      upload = await this.uploads.read(bucket, id, input.key);
    } catch (e) {
      // A repeated Complete (its first answer was lost) gets the same result, as on S3.
      const again = isNoSuchUpload(e)
        ? await this.completed.recall(bucket, id, input.key, input.keys)
        : undefined;
      if (again) return again;
      throw e;
    }
    checkChecksumRequest(upload, input);
    // Complete needs no customer key; one that is sent must be the upload's.
    await recoverUploadKey(this.ctx, upload.encryption, input.keys, false);
    if (input.access) {
      await checkWritePath(
        this.ctx.ops,
        this.ctx.layout.root,
        this.ctx.layout.bucketDir(bucket),
        input.key,
        input.access,
        true,
      );
    }
    const counted = (await this.ctx.quota.limits.get(bucket)) !== undefined;
    // The parts were charged when uploaded; a bucket already over its quota takes no new object.
    if (counted) await this.ctx.quota.checkNotOver(bucket);
    const partsBytes = counted ? await filesBytes(this.ctx, this.uploads.paths.upload(bucket, id)) : 0;
    const replaced =
      counted && !isDirectoryKey(input.key) ? await replacedBytes(this.ctx, bucket, input.key) : 0;
    const gen = counted ? await this.ctx.quota.freeing(bucket) : undefined;
    const claimed = this.uploads.paths.claim(bucket, id, writerId);
    await this.uploads.claim(bucket, id, claimed);
    let result: CompleteResult;
    try {
      result = await this.assembleAndPublish(input, upload, claimed);
    } catch (e) {
      await this.uploads.unclaim(bucket, id, claimed).catch(() => {});
      throw e;
    }
    await this.completed.remember(bucket, id, input.key, result);
    await this.uploads.removeDir(bucket, claimed, id);
    // The object keeps the bytes of the parts it is made of; the others and what it replaced are freed.
    if (counted) await this.ctx.quota.freed(bucket, Math.max(0, partsBytes - result.size) + replaced, gen);
    return result;
  }

  private async assembleAndPublish(
    input: CompleteInput,
    upload: UploadInfo,
    dir: string,
  ): Promise<CompleteResult> {
    const { ops, layout } = this.ctx;
    const opened: { fd: number; info: PartInfo; fileSize: number; sealed: boolean }[] = [];
    try {
      for (const [i, wanted] of input.parts.entries()) {
        const part = await this.parts.open(input.bucket, dir, upload.uploadId, wanted.partNumber);
        if (part) opened.push(part);
        if (!part || part.info.etag !== wanted.etag.toLowerCase()) {
          throw new StorageError("InvalidPart");
        }
        if (part.sealed !== (upload.encryption !== undefined)) {
          throw new StorageError(
            "InvalidPart",
            `Part ${wanted.partNumber} is not sealed as its upload requires.`,
          );
        }
        for (const [algorithm, value] of Object.entries(wanted.checksums)) {
          const stored = part.info.checksum;
          if (stored?.algorithm === algorithm && stored.value !== value.trim()) {
            throw new StorageError(
              "InvalidPart",
              `The ${algorithm} checksum of part ${wanted.partNumber} does not match.`,
            );
          }
        }
        if (i < input.parts.length - 1 && part.info.size < MIN_PART_SIZE) {
          throw new StorageError("EntityTooSmall");
        }
      }
      const infos = opened.map((p) => p.info);
      const size = infos.reduce((sum, p) => sum + p.size, 0);
      if (input.objectSize !== undefined && input.objectSize !== size) {
        throw new StorageError(
          "InvalidRequest",
          `The provided x-amz-mp-object-size (${input.objectSize}) does not match the object size (${size}).`,
        );
      }
      const checksum = upload.checksum ? multipartChecksum(upload.checksum, infos) : undefined;
      if (input.checksum && checksum && !sameObjectChecksum(input.checksum.value, checksum)) {
        throw new StorageError(
          "ChecksumMismatch",
          `${checksum.algorithm} checksum of the object does not match.`,
        );
      }
      const etag = multipartEtag(infos);
      const attributes: ObjectAttributes = { ...upload.attributes };
      if (checksum) attributes.checksum = checksum;
      const partsCount = infos.length;
      if (isDirectoryKey(input.key)) {
        if (size > 0) throw new StorageError("DirectoryObjectNotEmpty");
        const put = await this.publisher.putDirectory(input.bucket, input.key, attributes, input.conditions);
        return { ...put, partsCount };
      }
      // Sealed parts are concatenated as they are: each keeps its nonce prefix and chunks.
      const file = await assembleParts(
        ops,
        layout,
        input.bucket,
        opened.map((p) => ({ fd: p.fd, size: p.fileSize })),
      );
      const finished: FinishedTemp = {
        path: file.path,
        fd: file.fd,
        etag,
        attributes,
        partsCount,
        parts: partsLayout(infos, checksum),
      };
      if (upload.encryption) finished.encryption = sealedObjectRecord(upload, infos, size);
      if (upload.lock) finished.lock = upload.lock;
      if (input.owner) finished.owner = input.owner;
      if (input.versionId !== undefined) finished.versionId = input.versionId;
      await this.ctx.pause?.("complete-assembled");
      const published = await this.publisher.publishFile(input.bucket, input.key, finished, input.conditions);
      return { ...published, partsCount };
    } finally {
      for (const part of opened) await ops.close(part.fd).catch(() => {});
    }
  }
}

function isNoSuchUpload(e: unknown): boolean {
  return e instanceof StorageError && e.code === "NoSuchUpload";
}

/** The record of an object assembled from sealed parts: the upload's data key, segment by segment. */
function sealedObjectRecord(upload: UploadInfo, parts: PartInfo[], size: number): SseRecord {
  const z: SseRecord = { ...upload.encryption!, p: size, g: 1 };
  if (parts.some((p, i) => p.partNumber !== i + 1)) z.q = parts.map((p) => p.partNumber);
  return z;
}

/** A Complete may restate the upload's checksum type and algorithm, never change them. */
function checkChecksumRequest(upload: UploadInfo, input: CompleteInput): void {
  if (input.checksumType && input.checksumType !== upload.checksum?.type) {
    throw new StorageError(
      "InvalidRequest",
      `The upload was created using the ${upload.checksum?.type ?? "null"} checksum mode. The complete request must use the same checksum mode.`,
    );
  }
  if (input.checksum && upload.checksum && input.checksum.algorithm !== upload.checksum.algorithm) {
    throw new StorageError(
      "InvalidRequest",
      `The upload was created using a ${upload.checksum.algorithm.toLowerCase()} checksum. The complete request must use the same checksum algorithm.`,
    );
  }
}

/** Part sizes run-length encoded, plus the part checksums when the object has a checksum. */
export function partsLayout(parts: PartInfo[], checksum: StoredChecksum | undefined): PartsLayout {
  const sizes: [number, number][] = [];
  for (const part of parts) {
    const last = sizes.at(-1);
    if (last && last[0] === part.size) last[1]++;
    else sizes.push([part.size, 1]);
  }
  const layout: PartsLayout = { sizes };
  if (checksum) layout.checksums = parts.map((p) => p.checksum?.value ?? "");
  return layout;
}
