/** The body of PutBucketEncryption: one rule naming the default algorithm. */
import * as v from "valibot";
import { S3Error } from "../errors.ts";
import type { XmlElement } from "../xml/parse.ts";
import { readXml, xmlChild, xmlDocument, xmlElement, xmlList, xmlText } from "../xml/schema.ts";

const sseAlgorithm = v.picklist(["AES256", "aws:kms", "aws:kms:dsse"]);

const encryptionConfiguration = xmlDocument("ServerSideEncryptionConfiguration", {
  Rule: xmlList(
    xmlElement({
      ApplyServerSideEncryptionByDefault: xmlChild(xmlElement({ SSEAlgorithm: xmlText(sseAlgorithm) })),
    }),
    1,
    1,
  ),
});

/**
 * The default algorithm of a ServerSideEncryptionConfiguration body: only AES256 (SSE-S3) is
 * offered, SSE-KMS is NotImplemented, anything else MalformedXML.
 */
export function defaultEncryption(root: XmlElement): "AES256" {
  const [rule] = readXml(encryptionConfiguration, root).Rule;
  const algorithm = rule!.ApplyServerSideEncryptionByDefault.SSEAlgorithm;
  if (algorithm !== "AES256") {
    throw new S3Error("NotImplemented", "SSE-KMS is not supported; use AES256 (SSE-S3).");
  }
  return algorithm;
}
