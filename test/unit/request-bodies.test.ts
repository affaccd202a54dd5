import { describe, expect, test } from "bun:test";
import { defaultEncryption } from "../../src/s3/bodies/bucket-encryption.ts";
import { completeParts } from "../../src/s3/bodies/complete-multipart-upload.ts";
import { deleteObjectsRequest } from "../../src/s3/bodies/delete-objects.ts";
import { S3Error } from "../../src/s3/errors.ts";
import { parseXml } from "../../src/s3/xml/parse.ts";

function refusal(fn: () => unknown): [string, string] {
  try {
    fn();
  } catch (e) {
    if (e instanceof S3Error) return [e.code, e.message];
    throw e;
  }
  throw new Error("no error");
}

const ns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const complete = (parts: string) =>
  parseXml(`<CompleteMultipartUpload ${ns}>${parts}</CompleteMultipartUpload>`);
const part = (n: string, etag = '"e"', extra = "") =>
  `<Part><PartNumber>${n}</PartNumber><ETag>${etag}</ETag>${extra}</Part>`;

describe("CompleteMultipartUpload body", () => {
  test("parts with quoted or bare ETags and the checksums listed", () => {
    const parts = completeParts(
      complete(
        `${part(" 1 ", '"a1"', "<ChecksumCRC32> AAAAAA== </ChecksumCRC32>")}\n${part("3", "b3")}<Other/>`,
      ),
    );
    expect(parts).toEqual([
      { partNumber: 1, etag: "a1", checksums: { CRC32: "AAAAAA==" } },
      { partNumber: 3, etag: "b3", checksums: {} },
    ]);
  });

  test("what does not fit the schema is MalformedXML", () => {
    for (const body of [
      complete(""),
      complete("<Part><PartNumber>1</PartNumber></Part>"),
      complete("<Part><ETag>x</ETag></Part>"),
      complete(part("one")),
      complete(part("1234567890")),
      complete(part("-1")),
      parseXml(`<Complete>${part("1")}</Complete>`),
    ]) {
      expect(refusal(() => completeParts(body))[0]).toBe("MalformedXML");
    }
    expect(refusal(() => completeParts(complete(part("1").repeat(10_001))))[0]).toBe("MalformedXML");
  });

  test("part numbers outside 1…10000 and parts out of order", () => {
    expect(refusal(() => completeParts(complete(part("0"))))[0]).toBe("InvalidPart");
    expect(refusal(() => completeParts(complete(part("10001"))))[0]).toBe("InvalidPart");
    expect(refusal(() => completeParts(complete(part("2") + part("1"))))[0]).toBe("InvalidPartOrder");
    expect(refusal(() => completeParts(complete(part("2") + part("2"))))[0]).toBe("InvalidPartOrder");
  });
});

describe("DeleteObjects body", () => {
  const del = (inner: string) => parseXml(`<Delete ${ns}>${inner}</Delete>`);

  test("keys as sent, version ids trimmed, and Quiet in any case", () => {
    expect(
      deleteObjectsRequest(
        del(
          "<Object><Key> a b </Key><VersionId/></Object><Object><Key>c</Key></Object><Object><Key>d</Key><VersionId> v1 </VersionId></Object>",
        ),
      ),
    ).toEqual({
      entries: [{ key: " a b ", versionId: "" }, { key: "c" }, { key: "d", versionId: "v1" }],
      quiet: false,
    });
    expect(deleteObjectsRequest(del("<Quiet> TRUE </Quiet><Object><Key>a</Key></Object>")).quiet).toBe(true);
    expect(deleteObjectsRequest(del("<Quiet>false</Quiet><Object><Key>a</Key></Object>")).quiet).toBe(false);
  });

  test("MalformedXML: no objects, more than 1000, an object without Key, another root", () => {
    for (const body of [
      del(""),
      del("<Object><Key>a</Key></Object>".repeat(1001)),
      del("<Object><Key>a</Key></Object><Object/>"),
      parseXml("<Remove><Object><Key>a</Key></Object></Remove>"),
    ]) {
      expect(refusal(() => deleteObjectsRequest(body))[0]).toBe("MalformedXML");
    }
  });

  test("an empty key refuses the whole batch", () => {
    expect(
      refusal(() =>
        deleteObjectsRequest(del("<Object><Key>a</Key></Object><Object><Key></Key></Object>")),
      )[0],
    ).toBe("UserKeyMustBeSpecified");
  });
});

describe("PutBucketEncryption body", () => {
  const config = (inner: string) =>
    parseXml(`<ServerSideEncryptionConfiguration ${ns}>${inner}</ServerSideEncryptionConfiguration>`);
  const rule = (algorithm: string) =>
    `<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${algorithm}</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule>`;

  test("AES256, or aws:kms with an optional KMSMasterKeyID and bucket key", () => {
    expect(defaultEncryption(config(rule("AES256")))).toEqual({ algorithm: "AES256" });
    expect(defaultEncryption(config(rule("aws:kms")))).toEqual({ algorithm: "aws:kms" });
    const kms =
      "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm>" +
      "<KMSMasterKeyID>alias/app</KMSMasterKeyID></ApplyServerSideEncryptionByDefault>" +
      "<BucketKeyEnabled>true</BucketKeyEnabled></Rule>";
    expect(defaultEncryption(config(kms))).toEqual({
      algorithm: "aws:kms",
      kmsKeyId: "alias/app",
      bucketKeyEnabled: true,
    });
  });

  test("dual-layer aws:kms:dsse is NotImplemented; a KMSMasterKeyID needs aws:kms", () => {
    expect(refusal(() => defaultEncryption(config(rule("aws:kms:dsse"))))[0]).toBe("NotImplemented");
    const aesWithKey =
      "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>" +
      "<KMSMasterKeyID>alias/app</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule>";
    expect(refusal(() => defaultEncryption(config(aesWithKey)))[0]).toBe("InvalidArgument");
  });

  test("MalformedXML: no rule, two rules, no default, another algorithm, another root", () => {
    for (const body of [
      config(""),
      config(rule("AES256") + rule("AES256")),
      config("<Rule><BucketKeyEnabled>true</BucketKeyEnabled></Rule>"),
      config("<Rule><ApplyServerSideEncryptionByDefault/></Rule>"),
      config(rule("aes256")),
      parseXml(`<Encryption>${rule("AES256")}</Encryption>`),
    ]) {
      expect(refusal(() => defaultEncryption(body))[0]).toBe("MalformedXML");
    }
  });
});
