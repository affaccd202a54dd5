/**
 * CopyObject: the source is opened once and checked (sourceCheck) and copied from that same
 * descriptor (kernel copy_file_range via /proc/self/fd/N), into a temp file that is then
 * published like a put. Copying an object onto itself with new attributes works naturally.
 */

import { copyFromFd, readWhole } from "../runtime/file-stream.ts";
import { errCode, O_WRONLY } from "../runtime/fs-ops.ts";
import type { StoreContext } from "./context.ts";
import { StorageError } from "./errors.ts";
import { createChecksummer, md5Hex } from "./hashing.ts";
import { checkKey, isDirectoryKey } from "./keys.ts";
import type { Publisher } from "./publish.ts";
import type { Reader } from "./reader.ts";
import { mkdirs } from "./sidecar-store.ts";
import { randomName } from "./temp-names.ts";
import { createTemp, discardTemp } from "./temp-writer.ts";
import type { CopyObjectInput, ObjectAttributes, PutObjectResult } from "./types.ts";
import { checkUserMetadata } from "./user-metadata.ts";

export class Copier {
  constructor(
    private readonly ctx: StoreContext,
    private readonly reader: Reader,
    private readonly publisher: Publisher,
  ) {}

  async copy(input: CopyObjectInput): Promise<PutObjectResult> {
    const { ops, layout } = this.ctx;
    checkKey(input.key);
    if (input.attributes) checkUserMetadata(input.attributes.userMetadata);
    const src = await this.reader.openFile(input.sourceBucket, input.sourceKey);
    let temp: { path: string; fd?: number } | undefined;
    try {
      input.sourceCheck?.(src.info);
      const { key: _k, size: _s, etag: _e, lastModified: _l, partsCount: _p, parts: _q, ...kept } = src.info;
      const attributes: ObjectAttributes = input.attributes
        ? { ...input.attributes, checksum: input.attributes.checksum ?? src.info.checksum }
        : kept;
      if (isDirectoryKey(input.key)) {
        if (src.info.size > 0) throw new StorageError("DirectoryObjectNotEmpty");
        return await this.publisher.putDirectory(input.bucket, input.key, attributes, input.conditions);
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
      const fd = temp.fd!;
      const path = temp.path;
      temp = undefined; // publishFile owns it now
      return await this.publisher.publishFile(
        input.bucket,
        input.key,
        { path, fd, etag, attributes },
        input.conditions,
      );
    } catch (e) {
      if (temp) await discardTemp(ops, temp);
      throw e;
    } finally {
      await ops.close(src.fd);
    }
  }
}
