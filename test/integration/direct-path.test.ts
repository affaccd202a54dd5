import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { objectPath, presignUrl, signedFetch, uniqueBucket, useHost } from "../helpers/index.ts";

setDefaultTimeout(60_000);

// GETs, HEADs and PUTs without an Origin header take the direct path (src/s3/direct-path.ts); the same
// request with an Origin (and no CORS rules on the bucket, so no CORS headers) goes through the Hono
// app and its middleware. Both must answer and log exactly alike.
const { server, s3, bucket } = useHost({ bucket: "direct" });
const versioned = uniqueBucket("direct-v");
const origin = "http://direct-path.test";
const varying = new Set(["x-amz-request-id", "date", "x-s3dir-score"]);
let versionId = "";

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: versioned }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: versioned, VersioningConfiguration: { Status: "Enabled" } }),
  );
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "plain.txt", Body: "plain" }));
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: "tagged.txt", Body: "tagged", Tagging: "a=1&b=2" }),
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: "meta data/é.txt",
      Body: "meta",
      ContentType: "text/x-test",
      CacheControl: "max-age=60",
      ContentDisposition: "inline",
      Metadata: { colour: "blue", size: "xl" },
    }),
  );
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: "sse.txt", Body: "secret", ServerSideEncryption: "AES256" }),
  );
  await s3.send(new PutObjectCommand({ Bucket: versioned, Key: "v.txt", Body: "one" }));
  const second = await s3.send(new PutObjectCommand({ Bucket: versioned, Key: "v.txt", Body: "two" }));
  versionId = second.VersionId ?? "";
});

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  requestId: string;
}

async function answerOf(response: Response): Promise<Answer> {
  const headers: Record<string, string> = {};
  for (const [name, value] of response.headers) if (!varying.has(name)) headers[name] = value;
  return {
    status: response.status,
    headers,
    body: await response.text(),
    requestId: response.headers.get("x-amz-request-id") ?? "",
  };
}

type Send = (extra: Record<string, string>) => Promise<Response>;

function logEntryOf(requestId: string, newVersion: boolean): Record<string, unknown> {
  const entry = server.accessLog().find((e) => e.requestId === requestId);
  expect(entry).toBeDefined();
  const { time, durationMs, requestId: _, ...rest } = entry!;
  if (newVersion) {
    // Each PUT to a versioned bucket makes a version of its own.
    expect(rest.versionId).toBeString();
    rest.versionId = "new";
    expect(rest.responseHeaders).toBeDefined();
  }
  return rest;
}

/** Sends a request without and then with an Origin; `newVersion` when each makes a version. */
async function expectSameAnswers(send: Send, newVersion = false): Promise<Answer> {
  const direct = await answerOf(await send({}));
  const viaApp = await answerOf(await send({ origin }));
  if (newVersion) {
    expect(direct.headers["x-amz-version-id"]).not.toBe(viaApp.headers["x-amz-version-id"]);
    delete direct.headers["x-amz-version-id"];
    delete viaApp.headers["x-amz-version-id"];
  }
  expect(direct.headers).toEqual(viaApp.headers);
  expect(direct.status).toBe(viaApp.status);
  expect(direct.body).toBe(viaApp.body.replaceAll(viaApp.requestId, direct.requestId));
  expect(direct.headers["x-amz-id-2"]).toBeDefined();
  // The access log is written in batches: wait for both entries.
  for (let i = 0; i < 100; i++) {
    const ids = new Set(server.accessLog().map((e) => e.requestId));
    if (ids.has(direct.requestId) && ids.has(viaApp.requestId)) break;
    await Bun.sleep(50);
  }
  expect(logEntryOf(direct.requestId, newVersion)).toEqual(logEntryOf(viaApp.requestId, newVersion));
  return direct;
}

const cases: [string, () => string, string][] = [
  ["plain", () => objectPath(bucket, "plain.txt"), ""],
  ["tagged", () => objectPath(bucket, "tagged.txt"), ""],
  ["with metadata", () => objectPath(bucket, "meta data/é.txt"), ""],
  ["SSE-S3", () => objectPath(bucket, "sse.txt"), ""],
  ["versioned, current", () => objectPath(versioned, "v.txt"), ""],
  ["versioned, by id", () => objectPath(versioned, "v.txt"), "versionId"],
  ["missing", () => objectPath(bucket, "missing.txt"), ""],
];

describe("GET and HEAD answer alike with and without the Hono app", () => {
  for (const method of ["GET", "HEAD"]) {
    for (const [name, path, param] of cases) {
      test(`${method} ${name}, header-signed`, async () => {
        const query = param ? { [param]: versionId } : undefined;
        const answer = await expectSameAnswers((headers) =>
          signedFetch(server, path(), { method, query, headers }),
        );
        expect(answer.status).toBe(name === "missing" ? 404 : 200);
      });
      test(`${method} ${name}, presigned`, async () => {
        const query = param ? { [param]: versionId } : undefined;
        const url = await presignUrl(server, path(), { method, query });
        await expectSameAnswers((headers) => fetch(url, { method, headers }));
      });
    }
  }

  test("a bad signature, a range, a conditional and an anonymous read are refused or served alike", async () => {
    const url = await presignUrl(server, objectPath(bucket, "plain.txt"));
    const tampered = url.replace(/X-Amz-Signature=[0-9a-f]/, "X-Amz-Signature=x");
    expect((await expectSameAnswers((headers) => fetch(tampered, { headers }))).status).toBe(403);
    const ranged = await expectSameAnswers((headers) =>
      fetch(url, { headers: { ...headers, range: "bytes=1-2" } }),
    );
    expect(ranged.status).toBe(206);
    const etag = ranged.headers.etag ?? "";
    const unchanged = await expectSameAnswers((headers) =>
      signedFetch(server, objectPath(bucket, "plain.txt"), {
        headers: { ...headers, "if-none-match": etag },
      }),
    );
    expect(unchanged.status).toBe(304);
    const anonymous = await expectSameAnswers((headers) =>
      fetch(`${server.endpoint}${objectPath(bucket, "plain.txt")}`, { headers }),
    );
    expect(anonymous.status).toBe(403);
  });

  test("a sub-resource GET takes the same route either way", async () => {
    const tagging = await expectSameAnswers((headers) =>
      signedFetch(server, objectPath(bucket, "tagged.txt"), { query: "tagging", headers }),
    );
    expect(tagging.body).toContain("<Key>a</Key>");
  });
});

describe("PUT answers alike with and without the Hono app", () => {
  const body = "put body";
  const puts: [string, () => string, Record<string, string>][] = [
    ["plain", () => objectPath(bucket, "put/plain.txt"), {}],
    [
      "with metadata, tags and a checksum",
      () => objectPath(bucket, "put/meta data é.txt"),
      {
        "content-type": "text/x-test",
        "x-amz-meta-colour": "blue",
        "x-amz-tagging": "a=1",
        "x-amz-checksum-crc32": "3LwFCA==",
      },
    ],
    ["SSE-S3", () => objectPath(bucket, "put/sse.txt"), { "x-amz-server-side-encryption": "AES256" }],
    ["versioned", () => objectPath(versioned, "put/v.txt"), {}],
    ["a conditional write refused", () => objectPath(bucket, "plain.txt"), { "if-none-match": "*" }],
    ["a bad digest", () => objectPath(bucket, "put/bad.txt"), { "content-md5": "AAAAAAAAAAAAAAAAAAAAAA==" }],
  ];
  for (const [name, path, extra] of puts) {
    const newVersion = name === "versioned";
    test(`PUT ${name}, header-signed`, async () => {
      const answer = await expectSameAnswers(
        (headers) => signedFetch(server, path(), { method: "PUT", headers: { ...extra, ...headers }, body }),
        newVersion,
      );
      expect(answer.status).toBe(name.startsWith("a ") ? (name.includes("digest") ? 400 : 412) : 200);
    });
    test(`PUT ${name}, presigned`, async () => {
      const url = await presignUrl(server, path(), { method: "PUT", headers: extra });
      await expectSameAnswers(
        (headers) => fetch(url, { method: "PUT", headers: { ...extra, ...headers }, body }),
        newVersion,
      );
    });
  }

  test("a bad signature, an anonymous PUT and a bucket setting are answered alike", async () => {
    const url = await presignUrl(server, objectPath(bucket, "put/x.txt"), { method: "PUT" });
    const tampered = url.replace(/X-Amz-Signature=[0-9a-f]/, "X-Amz-Signature=x");
    const refused = await expectSameAnswers((headers) => fetch(tampered, { method: "PUT", headers, body }));
    expect(refused.status).toBe(403);
    const anonymous = await expectSameAnswers((headers) =>
      fetch(`${server.endpoint}${objectPath(bucket, "put/anon.txt")}`, { method: "PUT", headers, body }),
    );
    expect(anonymous.status).toBe(403);
    const tagging = "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>";
    const tagged = await expectSameAnswers((headers) =>
      signedFetch(server, objectPath(bucket, "plain.txt"), {
        method: "PUT",
        query: "tagging",
        headers: { ...headers, "content-type": "application/xml" },
        body: tagging,
      }),
    );
    expect(tagged.status).toBe(200);
  });
});
