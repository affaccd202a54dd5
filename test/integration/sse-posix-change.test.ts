/**
 * An SSE-S3 object whose file was rewritten in place through POSIX (same inode, so the record in its
 * xattr survives but no longer matches the file): reads fail (500 InternalError: tampered
 * ciphertext is never served), but the key still names an object that writes can replace or
 * delete. Unconditional PUT, CopyObject and DeleteObject work; If-None-Match: * fails with 412
 * (an object exists); If-Match with an ETag fails with 412 (the file's ETag is unknown, so none
 * matches); If-Match: * replaces (an object exists). Listings show the key.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { errorCodeOf, objectPath, sdkFailure, signedFetch, useHost } from "../helpers/index.ts";

setDefaultTimeout(60_000);

const { server, s3, bucket } = useHost({ bucket: "sse-posix" });
const changed = "changed in place by a POSIX writer";

beforeAll(async () => {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "source.txt", Body: "copy source" }));
});

const diskPath = (key: string) => `${server.root}/${bucket}/${key}`;

/** PUTs an SSE-S3 object, then rewrites its file in place (same inode); returns the ETag it had. */
async function changedThroughPosix(key: string): Promise<string> {
  const put = await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: "sealed secret", ServerSideEncryption: "AES256" }),
  );
  const inode = statSync(diskPath(key)).ino;
  writeFileSync(diskPath(key), changed);
  expect(statSync(diskPath(key)).ino).toBe(inode);
  return put.ETag!;
}

async function text(key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return await got.Body!.transformToString();
}

describe("an encrypted object changed through POSIX", () => {
  test("GET and HEAD fail with 500 InternalError; the key is still listed", async () => {
    await changedThroughPosix("read.bin");
    const get = await sdkFailure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "read.bin" })));
    expect(get.status).toBe(500);
    expect(get.name).toBe("InternalError");
    const head = await sdkFailure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "read.bin" })));
    expect(head.status).toBe(500);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "read.bin" }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(["read.bin"]);
  });

  test("PUT with If-Match (its old ETag or another) and with If-None-Match: * → 412, file untouched", async () => {
    const oldEtag = await changedThroughPosix("cond.bin");
    for (const condition of [
      { IfMatch: oldEtag },
      { IfMatch: '"0123456789abcdef0123456789abcdef"' },
      { IfNoneMatch: "*" },
    ]) {
      const f = await sdkFailure(
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cond.bin", Body: "new", ...condition })),
      );
      expect(f.status).toBe(412);
      expect(f.name).toBe("PreconditionFailed");
    }
    expect(readFileSync(diskPath("cond.bin"), "utf8")).toBe(changed);
  });

  test("PUT with If-Match: * replaces it (an object exists)", async () => {
    await changedThroughPosix("star.bin");
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "star.bin", Body: "after star", IfMatch: "*" }),
    );
    expect(await text("star.bin")).toBe("after star");
  });

  test("a plain PUT replaces it; GET then returns the new bytes", async () => {
    await changedThroughPosix("replace.bin");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "replace.bin", Body: "fresh" }));
    expect(await text("replace.bin")).toBe("fresh");
    await changedThroughPosix("replace-sse.bin");
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "replace-sse.bin",
        Body: "fresh and sealed",
        ServerSideEncryption: "AES256",
      }),
    );
    expect(await text("replace-sse.bin")).toBe("fresh and sealed");
  });

  test("CopyObject onto it: If-Match / If-None-Match: * → 412; unconditional replaces", async () => {
    const oldEtag = await changedThroughPosix("copy.bin");
    const conditions: Record<string, string>[] = [{ "if-match": oldEtag }, { "if-none-match": "*" }];
    for (const condition of conditions) {
      const res = await signedFetch(server, objectPath(bucket, "copy.bin"), {
        method: "PUT",
        headers: { "x-amz-copy-source": `/${bucket}/source.txt`, ...condition },
      });
      expect(res.status).toBe(412);
      expect(errorCodeOf(await res.text())).toBe("PreconditionFailed");
    }
    expect(readFileSync(diskPath("copy.bin"), "utf8")).toBe(changed);
    await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "copy.bin", CopySource: `${bucket}/source.txt` }),
    );
    expect(await text("copy.bin")).toBe("copy source");
  });

  test("CompleteMultipartUpload onto it: If-Match / If-None-Match: * → 412; unconditional replaces", async () => {
    const oldEtag = await changedThroughPosix("mpu.bin");
    const complete = async (condition: { IfMatch?: string; IfNoneMatch?: string }) => {
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mpu.bin" }),
      );
      const part = await s3.send(
        new UploadPartCommand({ Bucket: bucket, Key: "mpu.bin", UploadId, PartNumber: 1, Body: "one part" }),
      );
      return s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: "mpu.bin",
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
          ...condition,
        }),
      );
    };
    for (const condition of [{ IfMatch: oldEtag }, { IfNoneMatch: "*" }]) {
      const f = await sdkFailure(complete(condition));
      expect(f.status).toBe(412);
    }
    expect(readFileSync(diskPath("mpu.bin"), "utf8")).toBe(changed);
    await complete({});
    expect(await text("mpu.bin")).toBe("one part");
  });

  test("DeleteObject removes it", async () => {
    await changedThroughPosix("delete.bin");
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "delete.bin" }));
    const head = await sdkFailure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "delete.bin" })));
    expect(head.status).toBe(404);
    expect(() => statSync(diskPath("delete.bin"))).toThrow();
  });
});
