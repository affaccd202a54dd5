/** GetObject / HeadObject with ?partNumber=N: the byte range of one part of an object. */
import type { ObjectInfo } from "../storage/index.ts";
import { S3Error } from "./errors.ts";

export interface PartRange {
  start: number;
  end: number;
  /** The part's own checksum (base64), when the object records one per part. */
  checksum?: string;
}

function notSatisfiable(): S3Error {
  return new S3Error("InvalidPartNumber", "The requested partnumber is not satisfiable");
}

/**
 * The range of part n. An object not made by a multipart upload has one part: the whole object
 * (S3 answers partNumber=1 on it). Undefined for part 1 of an empty object (a plain 200).
 */
export function partRange(info: ObjectInfo, n: number): PartRange | undefined {
  const parts = info.parts;
  if (!parts) {
    if (n !== 1) throw notSatisfiable();
    return info.size > 0 ? { start: 0, end: info.size - 1 } : undefined;
  }
  let index = 0;
  let start = 0;
  for (const [size, count] of parts.sizes) {
    if (n <= index + count) {
      start += (n - 1 - index) * size;
      const range: PartRange = { start, end: start + size - 1 };
      const checksum = parts.checksums?.[n - 1];
      if (checksum) range.checksum = checksum;
      return size > 0 ? range : undefined;
    }
    index += count;
    start += size * count;
  }
  throw notSatisfiable();
}
