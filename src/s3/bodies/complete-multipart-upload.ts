/** The body of CompleteMultipartUpload: the parts to join, in ascending order. */
import * as v from "valibot";
import { checksumAlgorithms } from "../../lib/checksum-algorithm.ts";
import type { CompletePart } from "../../storage/index.ts";
import { S3Error } from "../errors.ts";
import { unquoteEtag } from "../responses.ts";
import type { XmlElement } from "../xml/parse.ts";
import { readXml, xmlDocument, xmlElement, xmlList, xmlText } from "../xml/schema.ts";

const checksum = v.optional(xmlText(v.pipe(v.string(), v.trim())));

const part = v.pipe(
  xmlElement({
    PartNumber: xmlText(v.pipe(v.string(), v.trim(), v.regex(/^\d{1,9}$/), v.transform(Number))),
    // Quoted or not: clients send both.
    ETag: xmlText(v.pipe(v.string(), v.transform(unquoteEtag))),
    ChecksumCRC32: checksum,
    ChecksumCRC32C: checksum,
    ChecksumCRC64NVME: checksum,
    ChecksumSHA1: checksum,
    ChecksumSHA256: checksum,
  }),
  v.transform((p): CompletePart => {
    const checksums: CompletePart["checksums"] = {};
    for (const algorithm of checksumAlgorithms) {
      const value = p[`Checksum${algorithm}`];
      if (value !== undefined) checksums[algorithm] = value;
    }
    return { partNumber: p.PartNumber, etag: p.ETag, checksums };
  }),
);

const completeMultipartUpload = xmlDocument("CompleteMultipartUpload", {
  Part: xmlList(part, 1, 10_000),
});

/**
 * The parts of a CompleteMultipartUpload body. What does not fit the schema is MalformedXML; a
 * part number outside 1…10000 is InvalidPart, one not above the previous InvalidPartOrder.
 */
export function completeParts(root: XmlElement): CompletePart[] {
  const parts = readXml(completeMultipartUpload, root).Part;
  let previous = 0;
  for (const { partNumber } of parts) {
    if (partNumber < 1 || partNumber > 10_000) throw new S3Error("InvalidPart");
    if (partNumber <= previous) throw new S3Error("InvalidPartOrder");
    previous = partNumber;
  }
  return parts;
}
