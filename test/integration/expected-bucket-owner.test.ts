/**
 * x-amz-expected-bucket-owner and x-amz-source-expected-bucket-owner (the SDKs' ExpectedBucketOwner
 * and ExpectedSourceBucketOwner): a request naming an account that does not own the bucket is
 * refused 403 AccessDenied before anything is read or written, as on S3.
 */
import { describe, expect, test } from "bun:test";
import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { firstAccountId } from "../../src/auth/account.ts";
import { sdkFailure } from "../helpers/clients.ts";
import { useHost } from "../helpers/use-host.ts";

const { s3, bucket } = useHost({ bucket: "owner" });
const someoneElse = "111122223333";

describe("x-amz-expected-bucket-owner", () => {
  test("the owning account's id lets the request through", async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "k.txt", Body: "x", ExpectedBucketOwner: firstAccountId }),
    );
    const got = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: "k.txt", ExpectedBucketOwner: firstAccountId }),
    );
    expect(await got.Body!.transformToString()).toBe("x");
  });

  test("another account's id → 403 AccessDenied, on reads, listings and writes; nothing written", async () => {
    const calls = [
      new GetObjectCommand({ Bucket: bucket, Key: "k.txt", ExpectedBucketOwner: someoneElse }),
      new HeadObjectCommand({ Bucket: bucket, Key: "k.txt", ExpectedBucketOwner: someoneElse }),
      new ListObjectsV2Command({ Bucket: bucket, ExpectedBucketOwner: someoneElse }),
      new PutObjectCommand({ Bucket: bucket, Key: "new.txt", Body: "y", ExpectedBucketOwner: someoneElse }),
    ];
    for (const command of calls) {
      const failure = await sdkFailure(s3.send(command as never));
      expect({ command: command.constructor.name, status: failure.status }).toEqual({
        command: command.constructor.name,
        status: 403,
      });
    }
    const written = await sdkFailure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "new.txt" })));
    expect(written.status).toBe(404);
  });

  test("CopyObject checks the source's owner with x-amz-source-expected-bucket-owner", async () => {
    const refused = await sdkFailure(
      s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: "copy.txt",
          CopySource: `${bucket}/k.txt`,
          ExpectedSourceBucketOwner: someoneElse,
        }),
      ),
    );
    expect([refused.status, refused.name]).toEqual([403, "AccessDenied"]);
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "copy.txt",
        CopySource: `${bucket}/k.txt`,
        ExpectedSourceBucketOwner: firstAccountId,
        ExpectedBucketOwner: firstAccountId,
      }),
    );
    const copied = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "copy.txt" }));
    expect(await copied.Body!.transformToString()).toBe("x");
  });
});
