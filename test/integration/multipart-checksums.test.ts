/**
 * Flexible checksums on multipart uploads (@aws-sdk/client-s3): per-part checksums, COMPOSITE
 * ("-N") and FULL_OBJECT results for every algorithm that allows them, validation on Complete,
 * and the values GET/HEAD return with x-amz-checksum-mode: ENABLED (which the SDK verifies).
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  type ChecksumAlgorithm,
  type ChecksumType,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { createCrc32c, createCrc64Nvme } from "../../src/lib/crc.ts";
import { bytes, errorCodeOf, objectPath, sdkFailure, signedFetch, useHost } from "../helpers/index.ts";

setDefaultTimeout(60_000);

const MiB = 1024 * 1024;
const { server, s3, bucket } = useHost({ bucket: "mpu-sum" });

/** Base64 digest of data, computed independently of the server's combining code. */
function digest(algorithm: ChecksumAlgorithm, data: Uint8Array): Buffer {
  switch (algorithm) {
    case "CRC32": {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(Bun.hash.crc32(data));
      return out;
    }
    case "CRC32C":
    case "CRC64NVME": {
      const c = algorithm === "CRC32C" ? createCrc32c() : createCrc64Nvme();
      c.update(data);
      return Buffer.from(c.digest());
    }
    case "SHA1":
    case "SHA256":
      return Buffer.from(
        new Bun.CryptoHasher(algorithm === "SHA1" ? "sha1" : "sha256").update(data).digest(),
      );
    default:
      throw new Error(`unknown ${algorithm}`);
  }
}

const field = (algorithm: ChecksumAlgorithm) => `Checksum${algorithm}` as const;

interface Uploaded {
  id: string;
  parts: { PartNumber: number; ETag: string; [checksum: string]: string | number }[];
}

async function uploadParts(
  key: string,
  algorithm: ChecksumAlgorithm,
  type: ChecksumType | undefined,
  data: Uint8Array[],
) {
  const created = await s3.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      ChecksumAlgorithm: algorithm,
      ChecksumType: type,
    }),
  );
  expect(created.ChecksumAlgorithm).toBe(algorithm);
  expect(created.ChecksumType).toBe(type ?? (algorithm === "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE"));
  const uploaded: Uploaded = { id: created.UploadId!, parts: [] };
  for (const [i, body] of data.entries()) {
    const r = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploaded.id,
        PartNumber: i + 1,
        Body: body,
        ChecksumAlgorithm: algorithm,
      }),
    );
    const value = (r as unknown as Record<string, string>)[field(algorithm)];
    expect(value).toBe(digest(algorithm, body).toString("base64"));
    uploaded.parts.push({ PartNumber: i + 1, ETag: r.ETag!, [field(algorithm)]: value! });
  }
  return uploaded;
}

const cases: [ChecksumAlgorithm, ChecksumType][] = [
  ["CRC32", "COMPOSITE"],
  ["CRC32C", "COMPOSITE"],
  ["SHA1", "COMPOSITE"],
  ["SHA256", "COMPOSITE"],
  ["CRC32", "FULL_OBJECT"],
  ["CRC32C", "FULL_OBJECT"],
  ["CRC64NVME", "FULL_OBJECT"],
];

describe("object checksums from part checksums", () => {
  const data = [bytes(5 * MiB, 41), bytes(5 * MiB + 3, 42), bytes(54_321, 43)];
  const whole = Buffer.concat(data);

  for (const [algorithm, type] of cases) {
    test(`${algorithm} ${type}`, async () => {
      const key = `sum/${algorithm}-${type}.bin`;
      const { id, parts } = await uploadParts(key, algorithm, type, data);
      const listed = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: id }));
      expect(listed.ChecksumAlgorithm).toBe(algorithm);
      expect(listed.Parts?.map((p) => (p as Record<string, unknown>)[field(algorithm)])).toEqual(
        data.map((d) => digest(algorithm, d).toString("base64")),
      );
      const expected =
        type === "COMPOSITE"
          ? `${digest(algorithm, Buffer.concat(data.map((d) => digest(algorithm, d)))).toString("base64")}-${data.length}`
          : digest(algorithm, whole).toString("base64");
      const done = await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: id,
          MultipartUpload: { Parts: parts },
          ChecksumType: type,
          MpuObjectSize: whole.length,
        }),
      );
      expect((done as unknown as Record<string, unknown>)[field(algorithm)]).toBe(expected);
      expect(done.ChecksumType).toBe(type);
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }),
      );
      expect((head as unknown as Record<string, unknown>)[field(algorithm)]).toBe(expected);
      expect(head.ChecksumType).toBe(type);
      const plainHead = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect((plainHead as unknown as Record<string, unknown>)[field(algorithm)]).toBeUndefined();
      // With checksum mode the SDK itself verifies full-object checksums of what it downloads.
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
      expect(Buffer.compare(Buffer.from(await got.Body!.transformToByteArray()), whole)).toBe(0);
    });
  }

  test("a full-object checksum sent with Complete is verified: a wrong one → BadDigest, upload kept", async () => {
    const key = "sum/verify.bin";
    const { id, parts } = await uploadParts(key, "CRC32", "FULL_OBJECT", data.slice(0, 2));
    const input = { Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: parts } };
    const wrong = await sdkFailure(
      s3.send(
        new CompleteMultipartUploadCommand({
          ...input,
          ChecksumCRC32: "AAAAAA==",
          ChecksumType: "FULL_OBJECT",
        }),
      ),
    );
    expect([wrong.name, wrong.status]).toEqual(["BadDigest", 400]);
    const right = digest("CRC32", Buffer.concat(data.slice(0, 2))).toString("base64");
    const done = await s3.send(
      new CompleteMultipartUploadCommand({ ...input, ChecksumCRC32: right, ChecksumType: "FULL_OBJECT" }),
    );
    expect(done.ChecksumCRC32).toBe(right);
  });

  test("a wrong part checksum in the Complete request → InvalidPart", async () => {
    const key = "sum/part-mismatch.bin";
    const { id, parts } = await uploadParts(key, "SHA256", "COMPOSITE", data.slice(0, 2));
    const tampered = parts.map((p, i) =>
      i === 1 ? { ...p, ChecksumSHA256: digest("SHA256", new Uint8Array(1)).toString("base64") } : p,
    );
    const failure = await sdkFailure(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: id,
          MultipartUpload: { Parts: tampered },
        }),
      ),
    );
    expect(failure.name).toBe("InvalidPart");
  });
});

describe("checksum rules", () => {
  test("CRC64NVME is full-object only; SHA cannot be full-object", async () => {
    for (const [algorithm, type] of [
      ["CRC64NVME", "COMPOSITE"],
      ["SHA1", "FULL_OBJECT"],
      ["SHA256", "FULL_OBJECT"],
    ] as const) {
      const failure = await sdkFailure(
        s3.send(
          new CreateMultipartUploadCommand({
            Bucket: bucket,
            Key: "sum/rule",
            ChecksumAlgorithm: algorithm,
            ChecksumType: type,
          }),
        ),
      );
      expect([algorithm, failure.name]).toEqual([algorithm, "InvalidRequest"]);
    }
  });

  test("a part checksum of another algorithm than the upload's → InvalidRequest; a wrong value → BadDigest", async () => {
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: "sum/mismatch", ChecksumAlgorithm: "SHA1" }),
    );
    const other = await sdkFailure(
      s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: "sum/mismatch",
          UploadId: created.UploadId,
          PartNumber: 1,
          Body: "abc",
          ChecksumAlgorithm: "CRC32",
        }),
      ),
    );
    expect(other.name).toBe("InvalidRequest");
    expect(other.message).toContain("Checksum Type mismatch");
    const r = await signedFetch(server, objectPath(bucket, "sum/mismatch"), {
      method: "PUT",
      query: { partNumber: "1", uploadId: created.UploadId! },
      body: "abc",
      headers: { "x-amz-checksum-sha1": digest("SHA1", new TextEncoder().encode("abd")).toString("base64") },
    });
    expect([r.status, errorCodeOf(await r.text())]).toEqual([400, "BadDigest"]);
    const listed = await s3.send(
      new ListPartsCommand({ Bucket: bucket, Key: "sum/mismatch", UploadId: created.UploadId }),
    );
    expect(listed.Parts ?? []).toEqual([]);
  });

  test("Complete must not change the checksum type; x-amz-mp-object-size must match", async () => {
    const { id, parts } = await uploadParts("sum/type.bin", "CRC32", "COMPOSITE", [
      new TextEncoder().encode("x"),
    ]);
    const input = { Bucket: bucket, Key: "sum/type.bin", UploadId: id, MultipartUpload: { Parts: parts } };
    const type = await sdkFailure(
      s3.send(new CompleteMultipartUploadCommand({ ...input, ChecksumType: "FULL_OBJECT" })),
    );
    expect(type.name).toBe("InvalidRequest");
    const size = await sdkFailure(
      s3.send(new CompleteMultipartUploadCommand({ ...input, MpuObjectSize: 2 })),
    );
    expect(size.name).toBe("InvalidRequest");
    await s3.send(new CompleteMultipartUploadCommand({ ...input, MpuObjectSize: 1 }));
  });

  test("an upload without a checksum algorithm keeps part checksums but the object has none", async () => {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "sum/none.bin" }));
    expect(created.ChecksumAlgorithm).toBeUndefined();
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: "sum/none.bin",
        UploadId: created.UploadId,
        PartNumber: 1,
        Body: "abc",
      }),
    );
    expect(part.ChecksumCRC32).toBe(digest("CRC32", new TextEncoder().encode("abc")).toString("base64"));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "sum/none.bin",
        UploadId: created.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 }] },
      }),
    );
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: "sum/none.bin", ChecksumMode: "ENABLED" }),
    );
    expect([head.ChecksumCRC32, head.ChecksumType]).toEqual([undefined, undefined]);
  });
});
