import type { QueryView } from "../lib/parsed-query.ts";
/** Query parameters and headers of the multipart operations, validated. */

import * as v from "valibot";
import { type ChecksumAlgorithm, parseChecksumAlgorithm } from "../lib/checksum-algorithm.ts";
import type { ChecksumType, UploadChecksum } from "../storage/index.ts";
import { type ArgumentSchema, argument } from "./argument.ts";
import { S3Error } from "./errors.ts";

const partNumberRange = "Part number must be an integer between 1 and 10000, inclusive";
/** partNumber: an integer 1…10000 (at most five digits). */
const partNumber: ArgumentSchema<number> = v.pipe(
  v.string(partNumberRange),
  v.regex(/^\d{1,5}$/, partNumberRange),
  v.transform(Number),
  v.minValue(1, partNumberRange),
  v.maxValue(10_000, partNumberRange),
);

/** part-number-marker: absent or empty is 0. */
const partNumberMarker: ArgumentSchema<number> = v.pipe(
  v.nullable(v.string()),
  v.transform((value) => value || "0"),
  v.digits("Provided {name} not an integer or within integer range"),
  v.transform(Number),
);

export function parsePartNumber(value: string | null): number {
  return argument(partNumber, "partNumber", value);
}

/** The uploadId query parameter (its shape is checked by storage: anything else is NoSuchUpload). */
export function uploadIdOf(query: QueryView): string {
  return query.get("uploadId") ?? "";
}

export function parsePartNumberMarker(value: string | null, name = "part-number-marker"): number {
  return argument(partNumberMarker, name, value);
}

export function parseChecksumType(value: string | null): ChecksumType | undefined {
  if (value === null) return undefined;
  const upper = value.trim().toUpperCase();
  if (upper === "COMPOSITE" || upper === "FULL_OBJECT") return upper;
  throw new S3Error("InvalidRequest", `Value for x-amz-checksum-type header is invalid: ${value}`);
}

/**
 * x-amz-checksum-algorithm and x-amz-checksum-type of CreateMultipartUpload. COMPOSITE is the
 * default except for CRC64NVME, which is full-object only; SHA-1 and SHA-256 cannot be combined
 * into a full-object checksum.
 */
export function uploadChecksumFrom(headers: Headers): UploadChecksum | undefined {
  const rawAlgorithm = headers.get("x-amz-checksum-algorithm");
  const type = parseChecksumType(headers.get("x-amz-checksum-type"));
  if (rawAlgorithm === null) {
    if (type)
      throw new S3Error(
        "InvalidRequest",
        "The x-amz-checksum-type header requires x-amz-checksum-algorithm.",
      );
    return undefined;
  }
  const algorithm = parseChecksumAlgorithm(rawAlgorithm.trim());
  if (!algorithm) throw new S3Error("InvalidRequest", `Checksum algorithm ${rawAlgorithm} is not supported.`);
  const name = algorithm.toLowerCase();
  if (algorithm === "CRC64NVME" && type === "COMPOSITE") {
    throw new S3Error(
      "InvalidRequest",
      `The COMPOSITE checksum type cannot be used with the ${name} checksum algorithm.`,
    );
  }
  if ((algorithm === "SHA1" || algorithm === "SHA256") && type === "FULL_OBJECT") {
    throw new S3Error(
      "InvalidRequest",
      `The FULL_OBJECT checksum type cannot be used with the ${name} checksum algorithm.`,
    );
  }
  return { algorithm, type: type ?? (algorithm === "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE") };
}

/** The one x-amz-checksum-<algorithm> header of a request, if any (not -type, -mode, -algorithm). */
export function checksumHeader(
  headers: Headers,
): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  let found: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  headers.forEach((value, name) => {
    if (!name.startsWith("x-amz-checksum-")) return;
    const algorithm = parseChecksumAlgorithm(name.slice("x-amz-checksum-".length));
    if (!algorithm) return;
    if (found) {
      throw new S3Error(
        "InvalidRequest",
        "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
      );
    }
    found = { algorithm, value: value.trim() };
  });
  return found;
}

/** x-amz-copy-source-range: "bytes=first-last" (both required, first ≤ last). */
export function parseCopySourceRange(value: string | null): { start: number; end: number } | undefined {
  if (value === null) return undefined;
  const m = /^bytes=(\d+)-(\d+)$/.exec(value.trim());
  if (!m || Number(m[1]) > Number(m[2])) {
    throw new S3Error(
      "InvalidArgument",
      "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
      { ArgumentName: "x-amz-copy-source-range", ArgumentValue: value },
    );
  }
  return { start: Number(m[1]), end: Number(m[2]) };
}
