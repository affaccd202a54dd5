/** Checksum elements of S3 XML documents (ChecksumCRC32, …, ChecksumType). */
import type { ChecksumAlgorithm } from "../lib/checksum-algorithm.ts";
import { xmlEscape } from "./xml/escape.ts";

/** `<ChecksumCRC32>value</ChecksumCRC32>`, or "" without a checksum. */
export function checksumXml(checksum: { algorithm: ChecksumAlgorithm; value: string } | undefined): string {
  if (!checksum) return "";
  return `<Checksum${checksum.algorithm}>${xmlEscape(checksum.value)}</Checksum${checksum.algorithm}>`;
}

/** The XML element name carrying a part's checksum in CompleteMultipartUpload, by algorithm. */
export function checksumElementName(algorithm: ChecksumAlgorithm): string {
  return `Checksum${algorithm}`;
}
