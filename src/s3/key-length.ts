/**
 * S3 refuses a key over 1,024 bytes of UTF-8 in any object request, reads and deletes too, with
 * its size: 400 KeyTooLongError. Such a key can name nothing in the bucket.
 */
import { MAX_KEY_BYTES, utf8Length } from "../storage/index.ts";
import { S3Error } from "./errors.ts";

export function checkKeyLength(key: string): void {
  if (key.length <= MAX_KEY_BYTES / 3) return;
  const size = utf8Length(key);
  if (size > MAX_KEY_BYTES) {
    throw new S3Error("KeyTooLongError", "Your key is too long", {
      Size: String(size),
      MaxSizeAllowed: String(MAX_KEY_BYTES),
    });
  }
}
