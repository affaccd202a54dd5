/**
 * Every operation docs/compatibility.md lists as not answered (src/s3/routes/unserved-operations.ts)
 * answers 501 NotImplemented through the server, and changes nothing: it is never taken for the
 * plain bucket or object operation its request resembles (CreateBucket, DeleteBucket, PutObject,
 * DeleteObject, PostObject).
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { unservedOperations } from "../../src/s3/routes/unserved-operations.ts";
import { errorCodeOf, objectPath, signedFetch, useHost } from "../helpers/index.ts";

setDefaultTimeout(60_000);

const { server, s3, bucket } = useHost({ bucket: "unserved" });
const empty = `${bucket}-empty`;
const missing = `${bucket}-missing`;
const key = "kept.txt";

beforeAll(async () => {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "kept" }));
  expect((await signedFetch(server, `/${empty}`, { method: "PUT" })).status).toBe(200);
});

describe("operations not answered", () => {
  for (const op of unservedOperations) {
    const query = [op.sub, op.query].filter(Boolean).join("&");
    test(`${op.operation} (${op.method} ${op.path ?? op.scope}${query ? `?${query}` : ""}) → 501 NotImplemented`, async () => {
      // A bucket request that writes goes to a bucket that does not exist (CreateBucket would make
      // it), one that reads or deletes to an empty bucket (DeleteBucket would remove it).
      const writes = op.method === "PUT" || op.method === "POST";
      const path =
        op.path ?? (op.scope === "object" ? objectPath(bucket, key) : `/${writes ? missing : empty}`);
      const response = await signedFetch(server, path, {
        method: op.method,
        query,
        body: writes ? "<x/>" : undefined,
        signPayload: writes,
      });
      const code = errorCodeOf(await response.text());
      expect({ status: response.status, code }).toEqual({ status: 501, code: "NotImplemented" });
    });
  }

  test("and none of them changed anything", async () => {
    const kept = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await kept.Body!.transformToString()).toBe("kept");
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([key]);
    expect((await signedFetch(server, `/${empty}`, { method: "HEAD" })).status).toBe(200);
    expect((await signedFetch(server, `/${missing}`, { method: "HEAD" })).status).toBe(404);
  });
});
