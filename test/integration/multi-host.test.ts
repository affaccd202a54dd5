/** Two stateless server processes over one shared root behave as one S3 service (docs/cluster.md). */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  bytes,
  md5Hex,
  objectPath,
  s3Client,
  signedFetch,
  sortedUtf8,
  startHost,
  type TestServer,
  uniqueBucket,
  waitFor,
} from "../helpers/index.ts";

// Servers, the AWS CLI and python start in seconds, not milliseconds.
setDefaultTimeout(60_000);

let hostA: TestServer;
let hostB: TestServer;
let a: S3Client;
let b: S3Client;
const bucket = uniqueBucket("multi");

beforeAll(async () => {
  hostA = await startHost();
  hostB = await startHost({ root: hostA.root });
  a = s3Client(hostA);
  b = s3Client(hostB);
  await a.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  a?.destroy();
  b?.destroy();
  await hostB?.stop();
  await hostA?.stop();
});

async function textVia(client: S3Client, key: string): Promise<string> {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return await got.Body!.transformToString();
}

/** Changes made on one host must be visible on the others within about a second. */
const propagation = 3000;

describe("two hosts, one root", () => {
  test("a bucket created on one host exists on the other", async () => {
    const name = uniqueBucket("shared");
    await a.send(new CreateBucketCommand({ Bucket: name }));
    const seen = await waitFor(async () => {
      const listed = await b.send(new ListBucketsCommand({}));
      return (listed.Buckets ?? []).some((x) => x.Name === name);
    }, propagation);
    expect(seen).toBe(true);
    const head = await b.send(new HeadBucketCommand({ Bucket: name }));
    expect(head.$metadata.httpStatusCode).toBe(200);
  });

  test("a write through one host is read and listed through the other", async () => {
    const body = bytes(123_457, 17);
    await a.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "shared/one.bin",
        Body: body,
        ContentType: "application/x-shared",
        Metadata: { host: "a" },
      }),
    );
    const got = await b.send(new GetObjectCommand({ Bucket: bucket, Key: "shared/one.bin" }));
    expect(got.ETag).toBe(`"${md5Hex(body)}"`);
    expect(got.ContentType).toBe("application/x-shared");
    expect(got.Metadata).toEqual({ host: "a" });
    expect(Buffer.compare(Buffer.from(await got.Body!.transformToByteArray()), Buffer.from(body))).toBe(0);
    const listed = await b.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "shared/" }));
    expect((listed.Contents ?? []).map((c) => [c.Key, c.ETag])).toEqual([
      ["shared/one.bin", `"${md5Hex(body)}"`],
    ]);
  });

  test("an overwrite and a delete through one host are seen by the other", async () => {
    await a.send(new PutObjectCommand({ Bucket: bucket, Key: "shared/changing.txt", Body: "version one" }));
    expect(await textVia(b, "shared/changing.txt")).toBe("version one");
    await b.send(new PutObjectCommand({ Bucket: bucket, Key: "shared/changing.txt", Body: "version two!" }));
    const updated = await waitFor(async () => {
      const head = await a.send(new HeadObjectCommand({ Bucket: bucket, Key: "shared/changing.txt" }));
      return head.ETag === `"${md5Hex("version two!")}"`;
    }, propagation);
    expect(updated).toBe(true);
    expect(await textVia(a, "shared/changing.txt")).toBe("version two!");
    await b.send(new DeleteObjectCommand({ Bucket: bucket, Key: "shared/changing.txt" }));
    const gone = await waitFor(
      async () =>
        (await signedFetch(hostA, objectPath(bucket, "shared/changing.txt"), { method: "HEAD" })).status ===
        404,
      propagation,
    );
    expect(gone).toBe(true);
  });

  test("a listing started on one host continues on the other (v2 tokens and v1 markers)", async () => {
    const keys = Array.from({ length: 11 }, (_, i) => `page/${["a", "b c", "d+e", "f/g", "ü"][i % 5]}-${i}`);
    await Promise.all(keys.map((Key) => a.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }))));
    const clients = [a, b];

    const v2: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10; page++) {
      const listed = await clients[page % 2]!.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: "page/", MaxKeys: 3, ContinuationToken: token }),
      );
      v2.push(...(listed.Contents ?? []).map((c) => c.Key!));
      if (!listed.IsTruncated) break;
      token = listed.NextContinuationToken;
    }
    expect(v2).toEqual(sortedUtf8(keys));

    const v1: string[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 10; page++) {
      const listed = await clients[(page + 1) % 2]!.send(
        new ListObjectsCommand({
          Bucket: bucket,
          Prefix: "page/",
          Delimiter: "/",
          MaxKeys: 2,
          Marker: marker,
        }),
      );
      v1.push(
        ...(listed.Contents ?? []).map((c) => c.Key!),
        ...(listed.CommonPrefixes ?? []).map((p) => p.Prefix!),
      );
      if (!listed.IsTruncated) break;
      marker = listed.NextMarker;
    }
    const expectedV1 = sortedUtf8([...new Set(keys.map((k) => (k.slice(5).includes("/") ? "page/f/" : k)))]);
    expect(sortedUtf8(v1)).toEqual(expectedV1);
  });

  test("concurrent If-None-Match: * creates across hosts: exactly one wins", async () => {
    const hosts = [hostA, hostB];
    const bodies = Array.from({ length: 6 }, (_, i) => `host race ${i} `.repeat(3000));
    const statuses = await Promise.all(
      bodies.map((body, i) =>
        signedFetch(hosts[i % 2]!, objectPath(bucket, "shared/race.txt"), {
          method: "PUT",
          body,
          headers: { "if-none-match": "*" },
        }).then((r) => r.status),
      ),
    );
    const winners = statuses.flatMap((s, i) => (s === 200 ? [i] : []));
    expect(winners.length).toBe(1);
    for (const s of statuses.filter((s) => s !== 200)) expect([412, 409]).toContain(s);
    expect(await textVia(b, "shared/race.txt")).toBe(bodies[winners[0]!]!);
    expect(await textVia(a, "shared/race.txt")).toBe(bodies[winners[0]!]!);
  });
});
