/**
 * CopyObject: the source is opened once and checked (sourceCheck) and copied from that same
 * descriptor (kernel copy_file_range via /proc/self/fd/N), into a temp file that is then
 * published like a put. Copying an object onto itself with new attributes works naturally.
 */

import { copyFromFd, readWhole } from "../../runtime/file-stream.ts";
import { type BigStats, errCode, O_WRONLY } from "../../runtime/fs-ops.ts";
import { opaqueEtag } from "../../sse/data-key.ts";
import type { StoreContext } from "../context.ts";
import { StorageError } from "../errors.ts";
import { checkKey, isDirectoryKey } from "../layout/keys.ts";
import { mkdirs } from "../layout/mkdirs.ts";
import { randomName } from "../layout/temp-names.ts";
import { checkLockRequest } from "../lock/rules.ts";
import { checkUserMetadata } from "../metadata/user-metadata.ts";
import { checkWritePath } from "../permissions/path-checks.ts";
import { replacedBytes } from "../quota/counted-writes.ts";
import type { Charge } from "../quota/gate.ts";
import { plaintextStream } from "../sse/sealed-reader.ts";
import { checkReadKeys, prepareSealing } from "../sse/sealing.ts";
import type { CopyObjectInput, ObjectAttributes, ObjectInfo, ObjectTag, PutObjectResult } from "../types.ts";
import { createChecksummer, md5Hex } from "./hashing.ts";
import type { FinishedTemp, Publisher } from "./publish.ts";
import type { Reader } from "./reader.ts";
import { createTemp, discardTemp, writeBodyToTemp } from "./temp-writer.ts";

export class Copier {
  constructor(
    private readonly ctx: StoreContext,
    private readonly reader: Reader,
    private readonly publisher: Publisher,
  ) {}

  /** In a bucket with a quota, the copy is charged its source's size before a byte is copied. */
  async copy(input: CopyObjectInput): Promise<PutObjectResult> {
    const charged: Charged = {};
    let result: PutObjectResult;
    try {
      result = await this.copyCharged(input, charged);
    } catch (e) {
      charged.charge?.failed();
      throw e;
    }
    charged.charge?.landed();
    await this.ctx.quota.freed(input.bucket, charged.replaced ?? 0);
    return result;
  }

  private async copyCharged(input: CopyObjectInput, charged: Charged): Promise<PutObjectResult> {
    const { ops, layout } = this.ctx;
    checkKey(input.key);
    if (input.attributes) checkUserMetadata(input.attributes.userMetadata);
    if (input.lock) await checkLockRequest(this.ctx, input.bucket, input.key, input.lock);
    const { access } = input;
    if (access)
      await checkWritePath(ops, layout.root, layout.bucketDir(input.bucket), input.key, access, true);
    const src = await this.reader.openFile(
      input.sourceBucket,
      input.sourceKey,
      input.sourceVersionId,
      access,
    );
    let temp: { path: string; fd?: number } | undefined;
    try {
      input.sourceCheck?.(src.info);
      charged.charge = await this.ctx.quota.open(input.bucket);
      if (charged.charge) {
        await charged.charge.add(src.info.size);
        if (!isDirectoryKey(input.key))
          charged.replaced = await replacedBytes(this.ctx, input.bucket, input.key);
      }
      const {
        key: _k,
        size: _s,
        etag: _e,
        lastModified: _l,
        partsCount: _p,
        parts: _q,
        encryption: _z,
        versionId: _v,
        lock: _o,
        ...kept
      } = src.info;
      const attributes: ObjectAttributes = input.attributes
        ? { ...input.attributes, checksum: input.attributes.checksum ?? src.info.checksum }
        : kept;
      // The tagging directive is its own: COPY keeps the source's tags whatever the metadata directive.
      const tags = input.tags ?? src.info.tags;
      if (tags) attributes.tags = tags;
      else delete attributes.tags;
      if (input.acl) attributes.acl = input.acl;
      else delete attributes.acl;
      if (isDirectoryKey(input.key)) {
        if (src.info.size > 0) throw new StorageError("DirectoryObjectNotEmpty");
        return withSource(
          await this.publisher.putDirectory(
            input.bucket,
            input.key,
            attributes,
            input.conditions,
            input.owner,
          ),
          src.info,
          tags,
        );
      }
      checkReadKeys(src.info.encryption, input.sourceKeys);
      if ((src.info.encryption || input.encryption) && !src.st.isDirectory()) {
        return withSource(await this.copySealed(input, src, attributes), src.info, tags);
      }
      if (src.st.isDirectory()) {
        temp = await createTemp(ops, layout, input.bucket);
      } else {
        const dir = layout.reserved(input.bucket, "tmp");
        const path = `${dir}/${randomName("copy")}`;
        temp = { path };
        await copyFromFd(src.fd, path).catch(async (e) => {
          if (errCode(e) !== "ENOENT") throw e;
          const bst = await ops.lstat(layout.bucket(input.bucket)).catch(() => undefined);
          if (!bst?.isDirectory()) throw new StorageError("NoSuchBucket");
          await mkdirs(ops, dir);
          await copyFromFd(src.fd, path);
        });
        temp.fd = await ops.open(path, O_WRONLY);
      }
      let etag = src.info.etag;
      if (etag.includes("-")) {
        // A copy is a single-part object: its ETag is the MD5 of its bytes.
        // A COMPOSITE ("-N") checksum does not describe a single-part object: recompute it whole.
        const composite = attributes.checksum?.type === "COMPOSITE" ? attributes.checksum : undefined;
        const sum = composite ? createChecksummer(composite.algorithm) : undefined;
        const h = md5Hex();
        await readWhole(src.fd, (c) => {
          h.update(c);
          sum?.update(c);
        });
        etag = h.hex();
        if (composite && sum) {
          attributes.checksum = {
            algorithm: composite.algorithm,
            value: sum.digestBase64(),
            type: "FULL_OBJECT",
          };
        }
      }
      const finished: FinishedTemp = { path: temp.path, fd: temp.fd!, etag, attributes };
      if (input.lock) finished.lock = input.lock;
      if (input.owner) finished.owner = input.owner;
      temp = undefined; // publishFile owns it now
      return withSource(
        await this.publisher.publishFile(input.bucket, input.key, finished, input.conditions),
        src.info,
        tags,
      );
    } catch (e) {
      if (temp) await discardTemp(ops, temp);
      throw e;
    } finally {
      await ops.close(src.fd);
    }
  }

  /**
   * A copy whose source or destination is encrypted: the plaintext streams from the source
   * (decrypted when sealed) through a fresh temp writer (sealed under a new data key when
   * asked), so ETag and checksums are those of the plaintext, as for a PUT.
   */
  private async copySealed(
    input: CopyObjectInput,
    src: { fd: number; st: BigStats; info: ObjectInfo },
    attributes: ObjectAttributes,
  ): Promise<PutObjectResult> {
    const { ops, layout } = this.ctx;
    const size = src.info.size;
    const body = await plaintextStream(this.ctx, src, 0, size - 1, input.sourceKeys);
    const sealing = input.encryption ? await prepareSealing(this.ctx, input.encryption) : undefined;
    const algorithm = attributes.checksum?.algorithm;
    const temp = await writeBodyToTemp(
      ops,
      layout,
      input.bucket,
      body,
      { expectedSize: size, checksum: algorithm ? { algorithm } : undefined },
      sealing?.sealer,
    );
    const copied: ObjectAttributes = { ...attributes };
    if (temp.checksum) copied.checksum = temp.checksum;
    else delete copied.checksum;
    const finished: FinishedTemp = { path: temp.path, fd: temp.fd, etag: temp.md5Hex, attributes: copied };
    if (input.lock) finished.lock = input.lock;
    if (input.owner) finished.owner = input.owner;
    if (sealing) {
      finished.encryption = { ...sealing.record, p: temp.size };
      if (sealing.record.m !== "S3") finished.etag = await opaqueEtag(sealing.dataKey, temp.md5Hex);
    }
    return this.publisher.publishFile(input.bucket, input.key, finished, input.conditions);
  }
}

interface Charged {
  charge?: Charge;
  replaced?: number;
}

/** The source version's id on a copy's result (x-amz-copy-source-version-id). */
function withSource(
  result: PutObjectResult,
  source: ObjectInfo,
  tags: ObjectTag[] | undefined,
): PutObjectResult {
  if (source.versionId !== undefined) result.sourceVersionId = source.versionId;
  if (tags?.length) result.tags = tags;
  return result;
}
