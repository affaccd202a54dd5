/** The body of PutBucketEncryption: one rule naming the default algorithm (and KMS key). */
import * as v from "valibot";
import { S3Error } from "../errors.ts";
import type { XmlElement } from "../xml/parse.ts";
import { readXml, xmlChild, xmlDocument, xmlElement, xmlList, xmlText } from "../xml/schema.ts";

const sseAlgorithm = v.picklist(["AES256", "aws:kms", "aws:kms:dsse"]);

const encryptionConfiguration = xmlDocument("ServerSideEncryptionConfiguration", {
  Rule: xmlList(
    xmlElement({
      ApplyServerSideEncryptionByDefault: xmlChild(
        xmlElement({
          SSEAlgorithm: xmlText(sseAlgorithm),
          KMSMasterKeyID: v.optional(xmlText(v.pipe(v.string(), v.trim()))),
        }),
      ),
      BucketKeyEnabled: v.optional(xmlText(v.picklist(["true", "false"]))),
    }),
    1,
    1,
  ),
});

/** A bucket's default encryption, as the `encryption` setting keeps it. */
export interface BucketDefault {
  algorithm: "AES256" | "aws:kms";
  /** aws:kms: the key (id, ARN or alias) as configured; absent: the default key aws/s3. */
  kmsKeyId?: string;
  bucketKeyEnabled?: boolean;
}

/**
 * The default of a ServerSideEncryptionConfiguration body: AES256 (SSE-S3) or aws:kms with an
 * optional KMSMasterKeyID; the dual-layer aws:kms:dsse is NotImplemented, anything else MalformedXML.
 */
export function defaultEncryption(root: XmlElement): BucketDefault {
  const [rule] = readXml(encryptionConfiguration, root).Rule;
  const { SSEAlgorithm: algorithm, KMSMasterKeyID: kmsKeyId } = rule!.ApplyServerSideEncryptionByDefault;
  if (algorithm === "aws:kms:dsse") {
    throw new S3Error(
      "NotImplemented",
      "Dual-layer server-side encryption (aws:kms:dsse) is not offered; use aws:kms (SSE-KMS).",
    );
  }
  if (kmsKeyId !== undefined && algorithm !== "aws:kms") {
    throw new S3Error(
      "InvalidArgument",
      "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse",
      { ArgumentName: "ApplyServerSideEncryptionByDefault" },
    );
  }
  const out: BucketDefault = { algorithm };
  if (kmsKeyId) out.kmsKeyId = kmsKeyId;
  if (rule!.BucketKeyEnabled === "true") out.bucketKeyEnabled = true;
  return out;
}

/** The setting as stored (`{"algorithm":"AES256"}` from before SSE-KMS included). */
export function parseBucketDefault(text: string): BucketDefault {
  const j = JSON.parse(text) as Partial<BucketDefault>;
  const out: BucketDefault = { algorithm: j.algorithm === "aws:kms" ? "aws:kms" : "AES256" };
  if (typeof j.kmsKeyId === "string") out.kmsKeyId = j.kmsKeyId;
  if (j.bucketKeyEnabled === true) out.bucketKeyEnabled = true;
  return out;
}
