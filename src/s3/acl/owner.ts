/**
 * Who owns a bucket and the objects written to it. One server-wide owner today (config.owner);
 * the single place that changes when buckets get owners of their own.
 */
import type { S3Context } from "../context.ts";

export interface Owner {
  id: string;
  displayName: string;
}

export function ownerOf(ctx: Pick<S3Context, "config">, _bucket: string): Owner {
  return ctx.config.owner;
}

/** The display name of a canonical id that s3dir knows, for ACL documents. */
export function displayNameOf(ctx: Pick<S3Context, "config">, id: string): string | undefined {
  return id === ctx.config.owner.id ? ctx.config.owner.displayName : undefined;
}
