/**
 * Bytes a delete, an abort or an overwrite gives back in a bucket with a hard quota are free
 * for the next write at once, on the host that freed them, without waiting for a recount.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import {
  bytes,
  s3Client,
  s3dirCli,
  sdkFailure,
  startHost,
  type TestServer,
  uniqueBucket,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

const KiB = 1024;

describe("frees that do not wait for the recount", () => {
  // A root of its own and no recount while the tests run: only immediate frees make room.
  let host: TestServer;
  let client: S3Client;
  beforeAll(async () => {
    host = await startHost({ args: ["--quota-recount", "1h"] });
    client = s3Client(host);
  });
  afterAll(async () => {
    await host?.stop();
  });

  async function bucketWith(prefix: string, versioning?: "Enabled" | "Suspended"): Promise<string> {
    const bucket = uniqueBucket(prefix);
    expect((await s3dirCli(host.root, "bucket", "create", bucket, "--hard-quota", "1MiB")).code).toBe(0);
    if (versioning) {
      await client.send(
        new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: versioning } }),
      );
    }
    return bucket;
  }
  const put = (bucket: string, key: string, size: number, seed = 1) =>
    client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes(size, seed) }));

  test("DeleteObject and DeleteObjects of a specific version give its bytes back at once", async () => {
    const bucket = await bucketWith("delver", "Enabled");
    const v1 = (await put(bucket, "a", 400 * KiB, 1)).VersionId!;
    await put(bucket, "a", 400 * KiB, 2); // v1 is kept as a noncurrent version: 800 KiB used
    const refused = await sdkFailure(put(bucket, "b", 500 * KiB));
    expect(refused.name).toBe("QuotaExceeded");
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "a", VersionId: v1 }));
    const b = (await put(bucket, "b", 500 * KiB)).VersionId!;
    const deleted = await client.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "b", VersionId: b }] } }),
    );
    expect(deleted.Errors ?? []).toEqual([]);
    await put(bucket, "c", 500 * KiB);
  });

  test("a delete marker keeps the version's bytes counted (it is kept)", async () => {
    const bucket = await bucketWith("marker", "Enabled");
    await put(bucket, "a", 600 * KiB);
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "a" }));
    const refused = await sdkFailure(put(bucket, "b", 600 * KiB));
    expect(refused.name).toBe("QuotaExceeded");
  });

  test("AbortMultipartUpload gives its parts' bytes back at once", async () => {
    const bucket = await bucketWith("abort");
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp" }));
    await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: "mp", UploadId, PartNumber: 1, Body: bytes(600 * KiB) }),
    );
    expect((await sdkFailure(put(bucket, "b", 600 * KiB))).name).toBe("QuotaExceeded");
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "mp", UploadId }));
    await put(bucket, "b", 600 * KiB);
  });

  test("with versioning suspended an overwrite of the null version gives its bytes back", async () => {
    const bucket = await bucketWith("suspended", "Suspended");
    // Three times 400 KiB would not fit in 1 MiB if the replaced null versions still counted.
    await put(bucket, "a", 400 * KiB, 1);
    await put(bucket, "a", 400 * KiB, 2);
    await put(bucket, "a", 400 * KiB, 3);
    // And a null version kept from Enabled times is dropped by a delete: its bytes too.
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "a" }));
    await put(bucket, "b", 900 * KiB);
  });

  test("a delete after the host has settled and gone quiet in the bucket gives its bytes back", async () => {
    const bucket = await bucketWith("quiet");
    await put(bucket, "a", 600 * KiB);
    expect((await sdkFailure(put(bucket, "b", 600 * KiB))).name).toBe("QuotaExceeded");
    // The host settles every second; the delete comes after a settle round found nothing to do.
    await Bun.sleep(1100);
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "a" }));
    await put(bucket, "b", 600 * KiB);
  });

  test("a host whose first request in the bucket is a delete gives its bytes back", async () => {
    const bucket = await bucketWith("fresh");
    await put(bucket, "a", 600 * KiB);
    const other = await startHost({ root: host.root, args: ["--quota-recount", "1h"] });
    try {
      const otherClient = s3Client(other);
      await otherClient.send(new DeleteObjectCommand({ Bucket: bucket, Key: "a" }));
      await otherClient.send(new PutObjectCommand({ Bucket: bucket, Key: "b", Body: bytes(600 * KiB) }));
    } finally {
      await other.stop();
    }
  });
});
