/**
 * What a completed multipart object is identified by, computed from the parts' records alone
 * (never from their bytes, so assembly stays a kernel copy):
 * - ETag: MD5 of the concatenated binary part MD5s, then "-N".
 * - COMPOSITE checksum: the algorithm over the concatenated binary part checksums, then "-N".
 * - FULL_OBJECT checksum (CRC32, CRC32C, CRC64NVME): the part CRCs combined mathematically
 *   into the CRC of the whole object (lib/crc-combine.ts).
 */
import { combineCrcs, isCrcAlgorithm } from "../../lib/crc-combine.ts";
import { createHasher } from "../../runtime/hasher.ts";
import { StorageError } from "../errors.ts";
import { createChecksummer } from "../objects/hashing.ts";
import type { StoredChecksum } from "../types.ts";
import type { PartInfo, UploadChecksum } from "./types.ts";

export function multipartEtag(parts: PartInfo[]): string {
  const md5 = createHasher("md5");
  for (const part of parts) md5.update(Buffer.from(part.etag, "hex"));
  return `${md5.digest("hex")}-${parts.length}`;
}

/** The object's checksum from its parts' checksums; InvalidPart when a part lacks one. */
export function multipartChecksum(checksum: UploadChecksum, parts: PartInfo[]): StoredChecksum {
  const digests = parts.map((part) => {
    if (part.checksum?.algorithm !== checksum.algorithm) {
      throw new StorageError("InvalidPart", `Part ${part.partNumber} has no ${checksum.algorithm} checksum.`);
    }
    return Buffer.from(part.checksum.value, "base64");
  });
  if (checksum.type === "FULL_OBJECT") {
    if (!isCrcAlgorithm(checksum.algorithm)) {
      throw new StorageError("InvalidRequest", `${checksum.algorithm} cannot be a FULL_OBJECT checksum.`);
    }
    const combined = combineCrcs(
      checksum.algorithm,
      parts.map((part, i) => ({ digest: digests[i]!, length: part.size })),
    );
    return {
      algorithm: checksum.algorithm,
      value: Buffer.from(combined).toString("base64"),
      type: "FULL_OBJECT",
    };
  }
  const summer = createChecksummer(checksum.algorithm);
  for (const digest of digests) summer.update(digest);
  return {
    algorithm: checksum.algorithm,
    value: `${summer.digestBase64()}-${parts.length}`,
    type: "COMPOSITE",
  };
}

/** True when a checksum the client sent for the whole object matches ours ("-N" optional). */
export function sameObjectChecksum(sent: string, ours: StoredChecksum): boolean {
  const value = sent.trim();
  if (value === ours.value) return true;
  return ours.type === "COMPOSITE" && value === ours.value.slice(0, ours.value.lastIndexOf("-"));
}
