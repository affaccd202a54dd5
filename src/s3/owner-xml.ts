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
