/**
 * Multipart uploads in versioned buckets: UploadPartCopy from any version of its source, and
 * the version id of a CompleteMultipartUpload that answers with keep-alive spaces.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { bytes, md5Hex, sdkFailure, uniqueBucket, useHost } from "../helpers/index.ts";

setDefaultTimeout(60_000);

const { s3 } = useHost({ bucket: false });
const MiB = 1024 * 1024;

async function versionedBucket(prefix: string): Promise<string> {
  const bucket = uniqueBucket(prefix);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
  );
  return bucket;
}

async function body(bucket: string, key: string, versionId?: string) {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return { bytes: await got.Body!.transformToByteArray(), versionId: got.VersionId };
}

describe("UploadPartCopy from a version", () => {
  test("copies the version named, or the current one, and answers x-amz-copy-source-version-id", async () => {
    const bucket = await versionedBucket("vpartcopy");
    const old = bytes(5 * MiB, 7);
    const v1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src", Body: old }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src", Body: "newer" }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "dst" }));
    const fromOld = await s3.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: "dst",
        UploadId,
        PartNumber: 1,
        CopySource: `${bucket}/src?versionId=${v1.VersionId}`,
      }),
    );
    expect(fromOld.CopySourceVersionId).toBe(v1.VersionId);
    expect(fromOld.CopyPartResult?.ETag).toBe(`"${md5Hex(old)}"`);
    // Without a version id the current version is copied; a versioned source still names it.
    const fromCurrent = await s3.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: "dst",
        UploadId,
        PartNumber: 2,
        CopySource: `${bucket}/src`,
        CopySourceRange: "bytes=0-2",
      }),
    );
    expect(fromCurrent.CopySourceVersionId).toBe(v2.VersionId);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "dst",
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: fromOld.CopyPartResult?.ETag },
            { PartNumber: 2, ETag: fromCurrent.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    const got = await body(bucket, "dst");
    expect(got.versionId).toBe(done.VersionId);
    expect(got.bytes.length).toBe(old.length + 3);
    expect(md5Hex(got.bytes.subarray(0, old.length))).toBe(md5Hex(old));
    expect(new TextDecoder().decode(got.bytes.subarray(old.length))).toBe("new");
  });

  test("a delete marker by id is 400 InvalidRequest, an unknown id 404 NoSuchVersion", async () => {
    const bucket = await versionedBucket("vpartcopy-err");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src", Body: "data" }));
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "src" }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "dst" }));
    const copy = (source: string) =>
      sdkFailure(
        s3.send(
          new UploadPartCopyCommand({
            Bucket: bucket,
            Key: "dst",
            UploadId,
            PartNumber: 1,
            CopySource: source,
          }),
        ),
      );
    const fromMarker = await copy(`${bucket}/src?versionId=${marker.VersionId}`);
    expect([fromMarker.status, fromMarker.name]).toEqual([400, "InvalidRequest"]);
    const unknown = await copy(`${bucket}/src?versionId=${"0".repeat(29)}`);
    expect([unknown.status, unknown.name]).toEqual([404, "NoSuchVersion"]);
    const deleted = await copy(`${bucket}/src`);
    expect([deleted.status, deleted.name]).toEqual([404, "NoSuchKey"]);
  });

  test("an unversioned source: no x-amz-copy-source-version-id; versionId=null reads the object", async () => {
    const bucket = uniqueBucket("partcopy-plain");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src", Body: "plain" }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "dst" }));
    const copy = (source: string, PartNumber: number) =>
      s3.send(
        new UploadPartCopyCommand({ Bucket: bucket, Key: "dst", UploadId, PartNumber, CopySource: source }),
      );
    expect((await copy(`${bucket}/src`, 1)).CopySourceVersionId).toBeUndefined();
    const byNull = await copy(`${bucket}/src?versionId=null`, 2);
    expect(byNull.CopyPartResult?.ETag).toBe(`"${md5Hex("plain")}"`);
    const other = await sdkFailure(copy(`${bucket}/src?versionId=${"0".repeat(29)}`, 3));
    expect([other.status, other.name]).toEqual([404, "NoSuchVersion"]);
  });
});
