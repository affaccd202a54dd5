/**
 * Parts of a multipart upload: each one a file `part-NNNNN` in the upload directory, written
 * like an object (streamed into a staging temp file with every integrity check, its MD5 and
 * checksum recorded in its metadata record on the open file, then renamed into place). A
 * re-sent part number is renamed over the earlier one: atomic, last writer wins, on any host.
 * A part whose upload was completed or aborted meanwhile fails its rename: NoSuchUpload.
 */

import { errCode, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_RDONLY } from "../../runtime/fs-ops.ts";
import type { ChunkSealer } from "../../sse/chunks.ts";
import { opaqueEtag } from "../../sse/data-key.ts";
import type { StoreContext } from "../context.ts";
import { StorageError } from "../errors.ts";
import { mtimeDate } from "../metadata/describe.ts";
import { identityOf, type MetadataRecord, makeRecord, recordMatches } from "../metadata/record.ts";
import { syncFile } from "../objects/group-sync.ts";
import type { Reader } from "../objects/reader.ts";
import { discardTemp, writeBodyToTemp } from "../objects/temp-writer.ts";
import { chargeBody, countedWrite } from "../quota/counted-writes.ts";
import { type ReadKeys, type SseDataKeyRecord, summaryOf } from "../sse/records.ts";
import { plaintextStream } from "../sse/sealed-reader.ts";
import { checkReadKeys, preparePartSealing, recoverUploadKey } from "../sse/sealing.ts";
import type { BodyVerification } from "../types.ts";
import { partFileName, partNumberOf, partRecordKey } from "./paths.ts";
import type {
  ListPartsInput,
  ListPartsResult,
  PartInfo,
  UploadInfo,
  UploadPartCopyInput,
  UploadPartInput,
} from "./types.ts";
import type { Uploads } from "./uploads.ts";

export const MAX_PART_SIZE = 5 * 1024 ** 3;

/** How one part of an encrypted upload is sealed. */
interface PartSealing {
  sealer: ChunkSealer;
  header: Uint8Array;
  dataKey: Uint8Array;
  record: SseDataKeyRecord;
}

export class Parts {
  constructor(
    private readonly ctx: StoreContext,
    private readonly uploads: Uploads,
    private readonly reader: Reader,
  ) {}

  async upload(input: UploadPartInput): Promise<PartInfo> {
    let upload: UploadInfo;
    let verify: BodyVerification;
    let sealing: PartSealing | undefined;
    try {
      upload = await this.uploads.read(input.bucket, input.uploadId, input.key);
      if ((input.verify.expectedSize ?? 0) > MAX_PART_SIZE) {
        throw new StorageError("TooLarge", "A part may be at most 5 GiB.");
      }
      verify = partVerification(upload, input.verify);
      sealing = await this.sealingFor(upload, input.keys, input.partNumber);
    } catch (e) {
      await input.body.cancel().catch(() => {});
      throw e;
    }
    const { body, charge } = await chargeBody(this.ctx, input.bucket, input.body, input.verify.expectedSize);
    return countedWrite(this.ctx, charge, undefined, () =>
      this.write(input.bucket, upload, input.partNumber, body, verify, sealing, charge !== undefined),
    );
  }

  async uploadCopy(input: UploadPartCopyInput): Promise<PartInfo> {
    const upload = await this.uploads.read(input.bucket, input.uploadId, input.key);
    const sealing = await this.sealingFor(upload, input.keys, input.partNumber);
    const src = await this.reader.openFile(
      input.sourceBucket,
      input.sourceKey,
      input.sourceVersionId,
      input.access,
    );
    try {
      input.sourceCheck?.(src.info);
      checkReadKeys(src.info.encryption, input.sourceKeys);
      const size = src.info.size;
      const { start, end } = input.range ?? { start: 0, end: size - 1 };
      if (input.range && (start > end || end >= size)) {
        throw new StorageError("InvalidRange", `The range is not satisfiable for a source of ${size} bytes.`);
      }
      const length = end - start + 1;
      if (length > MAX_PART_SIZE) throw new StorageError("TooLarge", "A part may be at most 5 GiB.");
      const charge = await this.ctx.quota.open(input.bucket);
      await charge?.add(length);
      const part = await countedWrite(this.ctx, charge, undefined, async () => {
        const body = await plaintextStream(this.ctx, src, start, end, input.sourceKeys);
        const verify: BodyVerification = { expectedSize: length };
        if (upload.checksum) verify.checksum = { algorithm: upload.checksum.algorithm };
        return this.write(
          input.bucket,
          upload,
          input.partNumber,
          body,
          verify,
          sealing,
          charge !== undefined,
        );
      });
      if (src.info.versionId !== undefined) part.sourceVersionId = src.info.versionId;
      return part;
    } finally {
      await this.ctx.ops.close(src.fd);
    }
  }

  /**
   * The sealing of a part of an encrypted upload (a fresh nonce prefix under the upload's data
   * key), after checking that the request brings what the upload needs: the customer key it
   * began with for SSE-C, nothing for SSE-S3 or a plain upload.
   */
  private async sealingFor(
    upload: UploadInfo,
    keys: ReadKeys | undefined,
    partNumber: number,
  ): Promise<PartSealing | undefined> {
    const e = upload.encryption;
    const dataKey = await recoverUploadKey(this.ctx, e, keys, true);
    if (!e || !dataKey) return undefined;
    return { ...(await preparePartSealing(dataKey, partNumber)), dataKey, record: e };
  }

  private async write(
    bucket: string,
    upload: UploadInfo,
    partNumber: number,
    body: ReadableStream<Uint8Array>,
    verify: BodyVerification,
    sealing: PartSealing | undefined,
    /** The bucket has a quota: a part replaced gives its bytes back. */
    counted = false,
  ): Promise<PartInfo> {
    const { ops, layout, meta } = this.ctx;
    const temp = await writeBodyToTemp(ops, layout, bucket, body, verify, sealing?.sealer, sealing?.header);
    let fd: number | undefined = temp.fd;
    try {
      const st = await ops.fstat(fd);
      // An SSE-C or SSE-KMS part's ETag is keyed like its object's: the plain MD5 would let anyone test a guess.
      const etag =
        sealing && sealing.record.m !== "S3" ? await opaqueEtag(sealing.dataKey, temp.md5Hex) : temp.md5Hex;
      const rec = makeRecord(
        identityOf(st),
        etag,
        { userMetadata: {}, checksum: temp.checksum },
        sealing ? { sealedPartSize: temp.size } : undefined,
      );
      const bucketPath = layout.bucket(bucket);
      await meta.writeFd(fd, { bucketPath, key: partRecordKey(upload.uploadId, partNumber) }, rec);
      if (this.ctx.fsync) await syncFile(fd);
      await ops.close(fd);
      fd = undefined;
      const dir = this.uploads.paths.upload(bucket, upload.uploadId);
      const target = `${dir}/${partFileName(partNumber)}`;
      const replaced = counted ? await ops.lstat(target).catch(() => undefined) : undefined;
      try {
        await ops.rename(temp.path, target);
      } catch (e) {
        if (errCode(e) === "ENOENT" || errCode(e) === "ENOTDIR") throw new StorageError("NoSuchUpload");
        throw e;
      }
      if (this.ctx.fsync) await this.fsyncDir(dir);
      if (replaced?.isFile()) await this.ctx.quota.freed(bucket, Number(replaced.size));
      const info: PartInfo = { partNumber, etag, size: temp.size, lastModified: mtimeDate(st) };
      if (temp.checksum) info.checksum = temp.checksum;
      if (sealing) info.encryption = summaryOf(sealing.record);
      return info;
    } catch (e) {
      await discardTemp(ops, { path: temp.path, fd });
      throw e;
    }
  }

  async list(input: ListPartsInput): Promise<ListPartsResult> {
    const upload = await this.uploads.read(input.bucket, input.uploadId, input.key);
    const dir = this.uploads.paths.upload(input.bucket, input.uploadId);
    const numbers = (await this.numbers(dir)).filter((n) => n > input.partNumberMarker);
    const parts: PartInfo[] = [];
    let i = 0;
    for (; i < numbers.length && parts.length < input.maxParts; i++) {
      const part = await this.describe(input.bucket, dir, upload.uploadId, numbers[i]!);
      if (part) parts.push(part);
    }
    const isTruncated = i < numbers.length;
    const result: ListPartsResult = { upload, parts, isTruncated };
    if (isTruncated && parts.length > 0) result.nextPartNumberMarker = parts.at(-1)!.partNumber;
    return result;
  }

  /** Part numbers present in an upload directory, ascending. */
  async numbers(dir: string): Promise<number[]> {
    const names = await this.ctx.ops.readdir(dir).catch((e) => {
      if (errCode(e) === "ENOENT") throw new StorageError("NoSuchUpload");
      throw e;
    });
    const out: number[] = [];
    for (const d of names) {
      const n = partNumberOf(d.name);
      if (n !== undefined) out.push(n);
    }
    return out.sort((a, b) => a - b);
  }

  /** A part as ListParts shows it; undefined when it is missing or has no valid record. */
  private async describe(bucket: string, dir: string, id: string, n: number): Promise<PartInfo | undefined> {
    const { ops, layout, meta } = this.ctx;
    const path = `${dir}/${partFileName(n)}`;
    const st = await ops.lstat(path).catch(() => undefined);
    if (!st?.isFile()) return undefined;
    const rec = await meta.readPath(path, st, {
      bucketPath: layout.bucket(bucket),
      key: partRecordKey(id, n),
    });
    return rec && recordMatches(rec, st) ? partInfo(n, rec, st) : undefined;
  }

  /** Opens a part for assembly; the caller closes fd. Undefined when missing or without record. */
  async open(
    bucket: string,
    dir: string,
    id: string,
    n: number,
  ): Promise<{ fd: number; info: PartInfo; fileSize: number; sealed: boolean } | undefined> {
    const { ops, layout, meta } = this.ctx;
    // Never blocking on a FIFO put in place of a part; the type is checked below.
    const path = `${dir}/${partFileName(n)}`;
    const fd = await ops.open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW).catch((e) => {
      if (["ENOENT", "ELOOP", "ENXIO"].includes(errCode(e) ?? "")) return undefined;
      throw e;
    });
    if (fd === undefined) return undefined;
    try {
      const st = await ops.fstat(fd);
      const rec = st.isFile()
        ? await meta.readFd(fd, st, { bucketPath: layout.bucket(bucket), key: partRecordKey(id, n) })
        : undefined;
      if (rec && recordMatches(rec, st))
        return { fd, info: partInfo(n, rec, st), fileSize: Number(st.size), sealed: rec.y !== undefined };
    } catch (e) {
      await ops.close(fd);
      throw e;
    }
    await ops.close(fd);
    return undefined;
  }

  private async fsyncDir(dir: string): Promise<void> {
    const { ops } = this.ctx;
    const fd = await ops.open(dir, O_RDONLY | O_DIRECTORY);
    try {
      await syncFile(fd);
    } finally {
      await ops.close(fd);
    }
  }
}

function partInfo(n: number, rec: MetadataRecord, st: Parameters<typeof mtimeDate>[0]): PartInfo {
  const info: PartInfo = {
    partNumber: n,
    etag: rec.e,
    size: rec.y ? rec.y.p : rec.s,
    lastModified: mtimeDate(st),
  };
  if (rec.k) info.checksum = rec.k;
  return info;
}

/**
 * The checks a part's body gets: the client's, plus the upload's checksum algorithm computed
 * even when the client sent none (a composite or full-object checksum needs every part's).
 */
function partVerification(upload: UploadInfo, verify: BodyVerification): BodyVerification {
  if (!upload.checksum) return verify;
  const expected = upload.checksum.algorithm;
  const sent = verify.checksum?.algorithm;
  if (sent && sent !== expected) {
    throw new StorageError(
      "InvalidRequest",
      `Checksum Type mismatch occurred, expected checksum Type: ${expected.toLowerCase()}, actual checksum Type: ${sent.toLowerCase()}`,
    );
  }
  return sent ? verify : { ...verify, checksum: { algorithm: expected } };
}
