import type { WriteConditions } from "../storage/index.ts";
import { S3Error } from "./errors.ts";
import { unquoteEtag } from "./responses.ts";

/** If-None-Match: * and If-Match on writes (PutObject, CopyObject, CompleteMultipartUpload). */
export function writeConditionsFrom(headers: Headers): WriteConditions | undefined {
  const ifNoneMatch = headers.get("if-none-match");
  const ifMatch = headers.get("if-match");
  if (ifNoneMatch === null && ifMatch === null) return undefined;
  const conditions: WriteConditions = {};
  if (ifNoneMatch !== null) {
    if (ifNoneMatch.trim() !== "*") {
      throw new S3Error("NotImplemented", "If-None-Match on a write supports only '*'.");
    }
    conditions.ifNoneMatch = "*";
  }
  if (ifMatch !== null) conditions.ifMatch = ifMatch.trim() === "*" ? "*" : unquoteEtag(ifMatch);
  return conditions;
}
