/**
 * PutObject: the request is checked before a byte is read, the body streams (sealed when
 * encryption is asked) into a temp file in the bucket's staging area, and the temp file is
 * published under the key. A directory key ("a/") takes no body and becomes a directory object.
 */
import { opaqueEtag } from "../../sse/data-key.ts";
import type { StoreContext } from "../context.ts";
import { StorageError } from "../errors.ts";
import { altDiskKey } from "../layout/alt-keys.ts";
import { checkKey, isDirectoryKey, isValidBucketName } from "../layout/keys.ts";
import { checkLockRequest } from "../lock/rules.ts";
import { checkUserMetadata } from "../metadata/user-metadata.ts";
import { checkWritePath } from "../permissions/path-checks.ts";
import { chargeBody, countedWrite } from "../quota/counted-writes.ts";
import { type PreparedSealing, prepareSealing } from "../sse/sealing.ts";
import type { PutObjectInput, PutObjectResult, UploadSource } from "../types.ts";
import type { FinishedTemp, Publisher } from "./publish.ts";
import { discardTemp, writeBodyToTemp } from "./temp-writer.ts";

export class Putter {
  constructor(
    private readonly ctx: StoreContext,
    private readonly publisher: Publisher,
  ) {}

  async put(input: PutObjectInput): Promise<PutObjectResult> {
    const { ops, layout } = this.ctx;
    let sealing: PreparedSealing | undefined;
    try {
      if (!isValidBucketName(input.bucket)) throw new StorageError("NoSuchBucket");
      checkKey(input.key);
      checkUserMetadata(input.attributes.userMetadata);
      if (isDirectoryKey(input.key) && (input.verify.expectedSize ?? 0) > 0) {
        throw new StorageError("DirectoryObjectNotEmpty");
      }
      if (input.lock) await checkLockRequest(this.ctx, input.bucket, input.key, input.lock);
      if (input.access)
        await checkWritePath(ops, layout.root, layout.bucketDir(input.bucket), input.key, input.access, true);
      sealing =
        input.encryption && !isDirectoryKey(input.key)
          ? await prepareSealing(this.ctx, input.encryption)
          : undefined;
    } catch (e) {
      await input.body.cancel().catch(() => {});
      throw e;
    }
    const { body, charge } = await chargeBody(this.ctx, input.bucket, input.body, input.verify.expectedSize);
    return countedWrite(this.ctx, charge, isDirectoryKey(input.key) ? undefined : input.key, () =>
      this.write(input, body, sealing),
    );
  }

  private async write(
    input: PutObjectInput,
    body: UploadSource,
    sealing: PreparedSealing | undefined,
  ): Promise<PutObjectResult> {
    const { ops, layout } = this.ctx;
    const temp = await writeBodyToTemp(ops, layout, input.bucket, body, input.verify, sealing?.sealer);
    let attributes = input.attributes;
    if (temp.checksum) attributes = { ...attributes, checksum: temp.checksum };
    else if (attributes.checksum) {
      attributes = { ...attributes };
      delete attributes.checksum;
    }
    // A directory key that brought data (its size was not known ahead) is a file of the alternate area.
    const key = isDirectoryKey(input.key) && temp.size > 0 ? altDiskKey(input.key) : input.key;
    if (isDirectoryKey(key)) {
      await discardTemp(ops, temp);
      return this.publisher.putDirectory(input.bucket, key, attributes, input.conditions, input.owner);
    }
    const finished: FinishedTemp = { path: temp.path, fd: temp.fd, etag: temp.md5Hex, attributes };
    if (input.fallback && key === input.key) finished.fallback = input.fallback;
    if (input.lock) finished.lock = input.lock;
    if (input.owner) finished.owner = input.owner;
    if (sealing) {
      finished.encryption = { ...sealing.record, p: temp.size };
      if (sealing.record.m !== "S3") finished.etag = await opaqueEtag(sealing.dataKey, temp.md5Hex);
    }
    return this.publisher.publishFile(input.bucket, key, finished, input.conditions);
  }
}
