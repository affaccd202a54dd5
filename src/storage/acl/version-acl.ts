/**
 * GetObjectAcl / PutObjectAcl: a version's access control list, kept in its metadata record
 * (field `a`), rewritten in place under the key's lock like its tags (../tags/version-tags.ts).
 */
import type { StoreContext } from "../context.ts";
import { recordAttributes, setRecordAcl } from "../metadata/record.ts";
import type { StoredAcl } from "../types.ts";
import { editVersionFields, readVersionFields } from "../versions/version-fields.ts";

export interface VersionAcl {
  /** The version's id; absent in a bucket that was never versioned, unless one was named. */
  versionId?: string;
  /** Undefined: the version has none stored (its owner alone has full control). */
  acl?: StoredAcl;
}

export class ObjectAcls {
  constructor(private readonly ctx: StoreContext) {}

  get(bucket: string, key: string, versionId?: string): Promise<VersionAcl> {
    return readVersionFields(this.ctx, bucket, key, versionId, (rec) => ({ acl: recordAttributes(rec).acl }));
  }

  put(bucket: string, key: string, versionId: string | undefined, acl: StoredAcl): Promise<VersionAcl> {
    return editVersionFields(this.ctx, bucket, key, versionId, (rec) => {
      setRecordAcl(rec, acl);
      return { acl };
    });
  }
}
