/**
 * GetObjectTagging / PutObjectTagging / DeleteObjectTagging: a version's tags, kept in its
 * metadata record (field `g`), rewritten in place under the key's lock. A locked current
 * version (object lock) is protected again once its record is written.
 */
import type { StoreContext } from "../context.ts";
import { recordAttributes, setRecordTags } from "../metadata/record.ts";
import type { ObjectTag } from "../types.ts";
import { editVersionFields, readVersionFields } from "../versions/version-fields.ts";

export interface VersionTags {
  /** The version's id; absent in a bucket that was never versioned, unless one was named. */
  versionId?: string;
  tags: ObjectTag[];
}

export class ObjectTagging {
  constructor(private readonly ctx: StoreContext) {}

  get(bucket: string, key: string, versionId?: string): Promise<VersionTags> {
    return readVersionFields(this.ctx, bucket, key, versionId, (rec) => ({
      tags: recordAttributes(rec).tags ?? [],
    }));
  }

  /** Replaces the version's tags (none: removes them). */
  put(bucket: string, key: string, versionId: string | undefined, tags: ObjectTag[]): Promise<VersionTags> {
    return editVersionFields(this.ctx, bucket, key, versionId, (rec) => {
      setRecordTags(rec, tags);
      return { tags };
    });
  }
}
