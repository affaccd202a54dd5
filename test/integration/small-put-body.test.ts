/**
 * Small PUT bodies (a Content-Length up to 64 KiB) are read whole rather than streamed: every
 * guarantee of the streaming way holds for them too — integrity checks, exact length, a client
 * gone mid-body leaving nothing, an overwrite that fails keeping the old object.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, lstatSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  abortedUpload,
  bytes,
  errorCodeOf,
  md5Base64,
  objectPath,
  sdkFailure,
  signedFetch,
  useHost,
  waitFor,
  walk,
} from "../helpers/index.ts";
import { bucketState } from "../helpers/util.ts";

setDefaultTimeout(30_000);

const { server, s3, bucket } = useHost();
const bucketDir = () => join(server.root, bucket);
const staging = () => bucketState(server.root, bucket, "tmp");
const files = () =>
  walk(bucketDir()).filter((p) => {
    const st = lstatSync(join(bucketDir(), p), { throwIfNoEntry: false });
    return st !== undefined && !st.isDirectory();
  });
const md5Hex = (data: Uint8Array) => createHash("md5").update(data).digest("hex");

async function expectNoTrace(key: string, before: string[]) {
  // The server may notice a vanished client a moment later.
  const clean = await waitFor(() => walk(staging()).length === 0 && files().join() === before.join(), 10_000);
  expect({ staging: walk(staging()), files: files() }).toEqual({ staging: [], files: before });
  expect(clean).toBe(true);
  expect(existsSync(join(bucketDir(), key))).toBe(false);
}

describe("small bodies read whole", () => {
  for (const size of [0, 1, 4096, 64 * 1024, 64 * 1024 + 1]) {
    test(`a ${size}-byte object round-trips with its MD5 as ETag`, async () => {
      const body = bytes(size, size + 7);
      const key = `sizes/${size}.bin`;
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      expect(put.ETag).toBe(`"${md5Hex(body)}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(md5Hex(await got.Body!.transformToByteArray())).toBe(md5Hex(body));
      expect(got.ContentLength).toBe(size);
    });
  }

  test("a wrong Content-MD5 is BadDigest and stores nothing", async () => {
    const before = files();
    const response = await signedFetch(server, objectPath(bucket, "bad/md5.bin"), {
      method: "PUT",
      body: bytes(4096, 1),
      headers: { "content-md5": md5Base64(bytes(4096, 2)) },
    });
    expect(response.status).toBe(400);
    expect(errorCodeOf(await response.text())).toBe("BadDigest");
    await expectNoTrace("bad/md5.bin", before);
  });

  test("a wrong x-amz-checksum-crc32 is refused and stores nothing; a right one is kept", async () => {
    const before = files();
    const body = bytes(4096, 3);
    const wrong = await sdkFailure(
      s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: "bad/crc.bin", Body: body, ChecksumCRC32: "AAAAAA==" }),
      ),
    );
    expect(wrong.status).toBe(400);
    await expectNoTrace("bad/crc.bin", before);
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "good/crc.bin", Body: body, ChecksumAlgorithm: "CRC32" }),
    );
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: "good/crc.bin", ChecksumMode: "ENABLED" }),
    );
    expect(head.ChecksumCRC32).toBe(put.ChecksumCRC32);
  });

  test("a client gone mid-body leaves no object and no temp file", async () => {
    const before = files();
    await abortedUpload(server, objectPath(bucket, "gone/new.bin"), 4096, 1000);
    await expectNoTrace("gone/new.bin", before);
  });

  test("a client gone mid-body while overwriting keeps the old object", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "gone/old.txt", Body: "intact" }));
    const before = files();
    await abortedUpload(server, objectPath(bucket, "gone/old.txt"), 4096, 1000);
    expect(
      await waitFor(() => walk(staging()).length === 0 && files().join() === before.join(), 10_000),
    ).toBe(true);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "gone/old.txt" }));
    expect(await got.Body!.transformToString()).toBe("intact");
  });
});
