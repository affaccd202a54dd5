/**
 * A full disk fails the one request that meets it, with 507 StorageFull saying so: its temp file
 * is removed, the object it would have replaced is kept, and the host goes on. The root is an
 * 8 MiB tmpfs that each oversized write fills mid-way.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { statfsSync } from "node:fs";
import { basename } from "node:path";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import {
  bytes,
  errorCodeOf,
  pausedUpload,
  s3Client,
  sdkFailure,
  signedFetch,
  startServer,
  type TestServer,
  uniqueBucket,
  waitFor,
  walk,
  xmlValue,
} from "../helpers/index.ts";
import { mountTmpfs, type Tmpfs } from "../helpers/tmpfs.ts";

setDefaultTimeout(120_000);

const MiB = 1024 * 1024;
let disk: Tmpfs;
let server: TestServer;
let s3: S3Client;
const bucket = uniqueBucket("full");
const tooBig = bytes(12 * MiB, 7);

/** Staging files (temp writes, copies, assemblies) anywhere under the root, .s3dir included. */
function leftovers(): string[] {
  return walk(server.root).filter((p) => /^(put|copy|get)-/.test(basename(p)));
}

async function expectHostFine(): Promise<void> {
  const live = await fetch(`${server.endpoint}/health/live`);
  expect(live.status).toBe(200);
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "keep" }));
  expect(await got.Body?.transformToString()).toBe("old content");
  expect(leftovers()).toEqual([]);
}

beforeAll(async () => {
  disk = mountTmpfs("8m");
  server = await startServer({ root: disk.path });
  s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "keep", Body: "old content" }));
});
afterAll(async () => {
  s3?.destroy();
  await server?.stop();
  disk?.unmount();
});

describe("a full disk", () => {
  test("a PUT that fills it: 507 StorageFull, no temp left, the old object kept (repeated)", async () => {
    for (let i = 0; i < 5; i++) {
      const r = await signedFetch(server, `/${bucket}/keep`, { method: "PUT", body: tooBig });
      const xml = await r.text();
      expect(r.status).toBe(507);
      expect(errorCodeOf(xml)).toBe("StorageFull");
      expect(xmlValue(xml, "Message")).toMatch(/full/);
      await expectHostFine();
    }
  });

  test("a write failing while the client pauses: 507, the host does not die (repeated)", async () => {
    const freeBytes = () => {
      const st = statfsSync(disk.path);
      return st.bavail * st.bsize;
    };
    for (let i = 0; i < 3; i++) {
      // Pausing right after the bytes that overflow the disk leaves their write failing while the
      // server waits for more (each chunk as it arrives here; 1 MiB buffers on a network filesystem).
      const pauseAt = Math.ceil(freeBytes() / MiB) * MiB;
      const r = await pausedUpload(server, `/${bucket}/keep`, tooBig, pauseAt, async () => {
        if (!(await waitFor(() => freeBytes() < MiB, 10_000))) throw new Error("the disk never filled");
        await Bun.sleep(300);
      });
      expect(r.status).toBe(507);
      expect(errorCodeOf(r.body)).toBe("StorageFull");
      await expectHostFine();
    }
  });

  test("a small PUT works once the space is free again", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "small", Body: "small" }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "small" }));
    expect(await got.Body?.transformToString()).toBe("small");
  });

  test("UploadPart that fills it: 507 StorageFull", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp" }));
    for (let i = 0; i < 3; i++) {
      const f = await sdkFailure(
        s3.send(new UploadPartCommand({ Bucket: bucket, Key: "mp", UploadId, PartNumber: 1, Body: tooBig })),
      );
      expect(f).toMatchObject({ name: "StorageFull", status: 507 });
      await expectHostFine();
    }
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "mp", UploadId }));
  });

  test("CompleteMultipartUpload that fills it: StorageFull, the upload can still be aborted", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "keep" }));
    const parts = [];
    for (const [n, size] of [
      [1, 5 * MiB],
      [2, 1 * MiB],
    ] as const) {
      const { ETag } = await s3.send(
        new UploadPartCommand({ Bucket: bucket, Key: "keep", UploadId, PartNumber: n, Body: bytes(size, n) }),
      );
      parts.push({ PartNumber: n, ETag });
    }
    const f = await sdkFailure(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: "keep",
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      ),
    );
    expect(f.name).toBe("StorageFull");
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "keep", UploadId }));
    await expectHostFine();
  });

  test("CopyObject and UploadPartCopy that fill it: 507 StorageFull", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "big", Body: bytes(5 * MiB, 3) }));
    const copy = await sdkFailure(
      s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "big2", CopySource: `${bucket}/big` })),
    );
    expect(copy).toMatchObject({ name: "StorageFull", status: 507 });
    await expectHostFine();
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp2" }));
    const partCopy = await sdkFailure(
      s3.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: "mp2",
          UploadId,
          PartNumber: 1,
          CopySource: `${bucket}/big`,
        }),
      ),
    );
    expect(partCopy).toMatchObject({ name: "StorageFull", status: 507 });
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "mp2", UploadId }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "big" }));
    await expectHostFine();
  });
});
