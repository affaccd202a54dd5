import { aclsEnabled, readBucketAccess } from "./acl/bucket-access.ts";
import type { BucketOwner } from "./bucket-owners.ts";
import type { S3Context } from "./context.ts";
import { xmlEscape } from "./xml/escape.ts";

/** `<ID>canonical id</ID><DisplayName>name</DisplayName>`: the inside of Owner, Initiator, Grantee. */
export function ownerFieldsXml(owner: BucketOwner): string {
  return `<ID>${owner.canonicalId}</ID><DisplayName>${xmlEscape(owner.displayName)}</DisplayName>`;
}

/** The Owner element of the request's bucket: its owning account. */
export async function bucketOwnerXml(ctx: S3Context): Promise<string> {
  return `<Owner>${ownerFieldsXml(await ctx.config.owners.bucketOwner(ctx.target.bucket))}</Owner>`;
}

/**
 * The Owner element of each listed object (version): the bucket's owner, unless the bucket holds
 * objects another account wrote (ObjectWriter) and ACLs are on; then each one's recorded owner.
 */
export async function objectOwnersXml(
  ctx: S3Context,
  items: readonly { key: string; versionId?: string; deleteMarker?: boolean }[],
): Promise<string[]> {
  const { bucket } = ctx.target;
  const ownerXml = await bucketOwnerXml(ctx);
  const all = () => items.map(() => ownerXml);
  if (items.length === 0 || !(await ctx.config.owners.hasForeignObjects(bucket))) return all();
  if (!aclsEnabled(await readBucketAccess(ctx.store, bucket))) return all();
  const bucketOwner = await ctx.config.owners.bucketOwner(bucket);
  return await Promise.all(
    items.map(async ({ key, versionId, deleteMarker }) => {
      if (deleteMarker) return ownerXml;
      const owner = await ctx.store.getObjectAcl(bucket, key, versionId).then(
        (r) => r.acl?.owner,
        () => undefined,
      );
      if (owner === undefined || owner === bucketOwner.canonicalId) return ownerXml;
      const account = await ctx.config.owners.byCanonicalId(owner);
      return account
        ? `<Owner>${ownerFieldsXml(account)}</Owner>`
        : `<Owner><ID>${xmlEscape(owner)}</ID></Owner>`;
    }),
  );
}
