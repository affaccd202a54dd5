/** S3 caps user metadata (names and values, UTF-8) at 2 KB. */
import { StorageError } from "../errors.ts";
import { utf8Length } from "../layout/keys.ts";

export const MAX_USER_METADATA = 2048;

export function checkUserMetadata(meta: Record<string, string> | undefined): void {
  let n = 0;
  for (const k in meta) n += utf8Length(k) + utf8Length(meta[k] as string);
  if (n > MAX_USER_METADATA) throw new StorageError("MetadataTooLarge", "user metadata exceeds 2 KB");
}
