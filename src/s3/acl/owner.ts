/**
 * Who owns a bucket (the account that created it, ../bucket-owners.ts), who writes, and the names
 * ACL documents show for canonical ids.
 */
import { accountOf } from "../../auth/account.ts";
import type { BucketOwner } from "../bucket-owners.ts";
import type { S3Context } from "../context.ts";

export type { BucketOwner as Owner };

/** The bucket's owning account. Throws NoSuchBucket. */
export async function ownerOf(ctx: Pick<S3Context, "config">, bucket: string): Promise<BucketOwner> {
  return await ctx.config.owners.bucketOwner(bucket);
}

/** The canonical id of the account a request acts as; undefined for an anonymous one. */
export async function requesterCanonicalId(
  ctx: Pick<S3Context, "config" | "auth">,
): Promise<string | undefined> {
  const { principal } = ctx.auth;
  if (principal.kind === "anonymous") return undefined;
  return (await ctx.config.owners.account(accountOf(principal))).canonicalId;
}

/** The display names of the canonical ids s3dir knows (its accounts), for ACL documents. */
export async function displayNamesOf(
  ctx: Pick<S3Context, "config">,
  ids: Iterable<string>,
): Promise<(id: string) => string | undefined> {
  const names = new Map<string, string>();
  for (const id of new Set(ids)) {
    const account = await ctx.config.owners.byCanonicalId(id);
    if (account) names.set(id, account.displayName);
  }
  return (id) => names.get(id);
}
