/**
 * `x-amz-expiration: expiry-date="<HTTP date>", rule-id="<URL-encoded id>"` on PutObject,
 * GetObject and HeadObject of a current version that a lifecycle rule will expire. Storage
 * answers from its cached rules (one lstat a second per bucket), so a bucket without rules pays
 * nothing per request.
 */
import { toHttpDate } from "../lib/http-date.ts";
import type { ObjectStore, ObjectTag } from "../storage/index.ts";

export const EXPIRATION = "x-amz-expiration";

export interface ExpirationSubject {
  key: string;
  size: number;
  tags?: readonly ObjectTag[];
  lastModified: Date;
}

/** The header's value for this current version, or undefined when no rule expires it. */
export async function expirationHeader(
  store: ObjectStore,
  bucket: string,
  o: ExpirationSubject,
): Promise<string | undefined> {
  const found = await store.objectExpiration(bucket, {
    key: o.key,
    size: o.size,
    tags: o.tags ?? [],
    created: o.lastModified.getTime(),
  });
  if (!found) return undefined;
  return `expiry-date="${toHttpDate(found.at)}", rule-id="${encodeURIComponent(found.ruleId)}"`;
}
