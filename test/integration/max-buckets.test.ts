/** --max-buckets: CreateBucket past the limit is refused with TooManyBuckets, as AWS does past an account's quota. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, DeleteBucketCommand } from "@aws-sdk/client-s3";
import { s3Client, sdkFailure, startHost, type TestServer } from "../helpers/index.ts";

setDefaultTimeout(60_000);

let server: TestServer;
beforeAll(async () => {
  server = await startHost({ args: ["--max-buckets", "2"] });
});
afterAll(async () => {
  await server.stop();
});

describe("--max-buckets", () => {
  test("the bucket past the limit is refused; deleting one makes room again", async () => {
    const client = s3Client(server);
    await client.send(new CreateBucketCommand({ Bucket: "first" }));
    await client.send(new CreateBucketCommand({ Bucket: "second" }));
    const failure = await sdkFailure(client.send(new CreateBucketCommand({ Bucket: "third" })));
    expect(failure.name).toBe("TooManyBuckets");
    expect(failure.status).toBe(400);
    expect(failure.message).toBe("You have attempted to create more buckets than allowed");
    // An existing bucket's name again is answered as without a limit (us-east-1: 200).
    await client.send(new CreateBucketCommand({ Bucket: "second" }));
    await client.send(new DeleteBucketCommand({ Bucket: "first" }));
    await client.send(new CreateBucketCommand({ Bucket: "third" }));
  });
});
