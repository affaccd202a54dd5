/**
 * --min-free: below the floor, /health/ready says why with 503 and writes are refused with 507
 * StorageFull before their body is read; reads and deletes keep working, and writes come back
 * once space is freed. The root is an 8 MiB tmpfs with a 4 MiB floor.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import {
  errorCodeOf,
  pausedUpload,
  s3Client,
  sdkFailure,
  startHost,
  type TestServer,
  uniqueBucket,
  waitFor,
  xmlValue,
} from "../helpers/index.ts";
import { mountTmpfs, type Tmpfs } from "../helpers/tmpfs.ts";

setDefaultTimeout(120_000);

const MiB = 1024 * 1024;
let disk: Tmpfs;
let server: TestServer;
let s3: S3Client;
let uploadId: string | undefined;
const bucket = uniqueBucket("minfree");
const filler = () => join(disk.path, "filler");

async function readiness(): Promise<{ status: number; text: string }> {
  const r = await fetch(`${server.endpoint}/health/ready`);
  return { status: r.status, text: await r.text() };
}

beforeAll(async () => {
  disk = mountTmpfs("8m");
  server = await startHost({ root: disk.path, args: ["--min-free", "4MiB"] });
  s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "keep", Body: "kept" }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "gone", Body: "to delete" }));
  uploadId = (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp" }))).UploadId;
  // A file beside the buckets (not a bucket: not a directory) leaves about 3 MiB free.
  writeFileSync(filler(), new Uint8Array(5 * MiB));
});
afterAll(async () => {
  s3?.destroy();
  await server?.stop();
  disk?.unmount();
});

describe("below --min-free", () => {
  test("/health/ready answers 503 with the reason", async () => {
    expect(await waitFor(async () => (await readiness()).status === 503, 5000)).toBe(true);
    expect((await readiness()).text).toContain("--min-free 4.0 MiB");
    expect((await fetch(`${server.endpoint}/health/live`)).status).toBe(200);
  });

  test("a PUT is refused with 507 StorageFull before its body is read", async () => {
    const started = Date.now();
    // The body is only sent after 10 s: the answer must come before.
    const r = await pausedUpload(server, `/${bucket}/new`, new Uint8Array(1 * MiB), 0, () =>
      Bun.sleep(10_000),
    );
    expect(Date.now() - started).toBeLessThan(8000);
    expect(r.status).toBe(507);
    expect(errorCodeOf(r.body)).toBe("StorageFull");
    expect(xmlValue(r.body, "Message")).toContain("--min-free");
  });

  test("copies and multipart writes are refused too", async () => {
    const calls = [
      () => s3.send(new PutObjectCommand({ Bucket: bucket, Key: "small", Body: "x" })),
      () => s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy", CopySource: `${bucket}/keep` })),
      () => s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp2" })),
      () =>
        s3.send(
          new UploadPartCommand({ Bucket: bucket, Key: "mp", UploadId: uploadId, PartNumber: 1, Body: "x" }),
        ),
      () =>
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: "mp",
            UploadId: uploadId,
            MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] },
          }),
        ),
    ];
    for (const call of calls)
      expect(await sdkFailure(call())).toMatchObject({ name: "StorageFull", status: 507 });
  });

  test("reads, listings and deletes keep working", async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "keep" }));
    expect(await got.Body?.transformToString()).toBe("kept");
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "keep" }))).ContentLength).toBe(4);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect((listed.Contents ?? []).map((o) => o.Key)).toEqual(["gone", "keep"]);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "gone" }));
  });

  test("once space is freed, the host is ready and takes writes again", async () => {
    rmSync(filler());
    expect(await waitFor(async () => (await readiness()).status === 200, 5000)).toBe(true);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "small", Body: "x" }));
  });
});
