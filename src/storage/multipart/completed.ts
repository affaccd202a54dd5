/**
 * Completed uploads, remembered for a while: a client whose Complete succeeded but whose answer was
 * lost retries it, and S3 answers the retry with 200 and the object's ETag, not NoSuchUpload. After
 * the publish a Complete leaves `<bucket>/.s3dir/completed/<id>` (key, ETag, version); a repeated
 * Complete of that id and key gets the same result as long as the key still holds that object.
 * The upload sweep (expiry.ts) removes records older than COMPLETED_KEEP_MS.
 */
import { errCode } from "../../runtime/fs-ops.ts";
import type { StoreContext } from "../context.ts";
import { mkdirs } from "../layout/mkdirs.ts";
import { randomName } from "../layout/temp-names.ts";
import type { Reader } from "../objects/reader.ts";
import type { ReadKeys } from "../sse/records.ts";
import { isValidUploadId } from "./paths.ts";
import type { CompleteResult } from "./types.ts";

/** How long a completed upload's result is kept for a repeated Complete. */
export const COMPLETED_KEEP_MS = 3600 * 1000;

interface CompletedRecord {
  key: string;
  etag: string;
  versionId?: string;
  partsCount: number;
}

export class CompletedUploads {
  constructor(
    private readonly ctx: StoreContext,
    private readonly reader: Reader,
  ) {}

  dir(bucket: string): string {
    return this.ctx.layout.reserved(bucket, "completed");
  }

  /** Best effort: a record that cannot be written only costs a retry its 200. */
  async remember(bucket: string, id: string, key: string, result: CompleteResult): Promise<void> {
    const { ops } = this.ctx;
    const dir = this.dir(bucket);
    const record: CompletedRecord = { key, etag: result.etag, partsCount: result.partsCount };
    if (result.versionId !== undefined) record.versionId = result.versionId;
    const temp = `${dir}/${randomName("completed")}`;
    try {
      await mkdirs(ops, dir);
      await ops.writeNewFile(temp, new TextEncoder().encode(JSON.stringify(record)));
      await ops.rename(temp, `${dir}/${id}`);
    } catch {
      await ops.unlink(temp).catch(() => {});
    }
  }

  /** The result of upload `id` of `key` when it completed and the key still holds its object. */
  async recall(
    bucket: string,
    id: string,
    key: string,
    keys: ReadKeys | undefined,
  ): Promise<CompleteResult | undefined> {
    if (!isValidUploadId(id)) return undefined;
    let record: CompletedRecord;
    try {
      record = JSON.parse((await this.ctx.ops.readFile(`${this.dir(bucket)}/${id}`)).toString("utf8"));
    } catch (e) {
      if (errCode(e) === "ENOENT" || errCode(e) === "ENOTDIR" || e instanceof SyntaxError) return undefined;
      throw e;
    }
    if (record.key !== key) return undefined;
    const info = await this.reader.head(bucket, key, keys).catch(() => undefined);
    if (!info || info.etag !== record.etag || info.versionId !== record.versionId) return undefined;
    return {
      etag: info.etag,
      size: info.size,
      lastModified: info.lastModified,
      checksum: info.checksum,
      versionId: info.versionId,
      partsCount: record.partsCount,
    };
  }
}
