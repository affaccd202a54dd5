/**
 * The tag condition keys of policies: s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys
 * (the tags a request asks for: the PutObjectTagging body, else `x-amz-tagging`), and
 * s3:ExistingObjectTag/<key> (the tags of the object the request is about). The object's tags
 * are read only when a policy that applies names an s3:ExistingObjectTag key, so that requests
 * under other policies never pay for it.
 */
import type { Policy } from "../auth/policy/index.ts";
import type { ObjectTag } from "../storage/index.ts";
import { parseTaggingHeader } from "./tags.ts";

const existingPrefix = "s3:existingobjecttag/";

/** Reads an object's tags (undefined when there is no such object to read them from). */
export type ObjectTagsReader = (
  bucket: string,
  key: string,
  versionId?: string,
) => Promise<ObjectTag[] | undefined>;

export function requestTagKeys(
  bodyTags: ObjectTag[] | undefined,
  headers: Headers,
): Record<string, string | string[] | undefined> {
  let tags = bodyTags;
  if (!tags) {
    const header = headers.get("x-amz-tagging");
    if (header === null) return {};
    try {
      tags = parseTaggingHeader(header);
    } catch {
      return {}; // refused by the handler
    }
  }
  const keys: Record<string, string | string[] | undefined> = {
    "s3:RequestObjectTagKeys": tags.map((t) => t.key),
  };
  for (const t of tags) keys[`s3:RequestObjectTag/${t.key}`] = t.value;
  return keys;
}

/** Whether any statement of these policies tests an s3:ExistingObjectTag key. */
export function usesExistingTags(policies: readonly (Policy | undefined)[]): boolean {
  for (const p of policies) {
    if (!p) continue;
    for (const st of p.statements) {
      for (const c of st.conditions) if (c.key.toLowerCase().startsWith(existingPrefix)) return true;
    }
  }
  return false;
}

export async function existingTagKeys(
  read: ObjectTagsReader | undefined,
  bucket: string,
  key: string | undefined,
  versionId: string | undefined,
): Promise<Record<string, string>> {
  if (!read || !key) return {};
  const tags = await read(bucket, key, versionId).catch(() => undefined);
  const keys: Record<string, string> = {};
  for (const t of tags ?? []) keys[`s3:ExistingObjectTag/${t.key}`] = t.value;
  return keys;
}
