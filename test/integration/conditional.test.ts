import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { errorCodeOf, md5Hex, objectPath, sdkFailure, signedFetch, useHost } from "../helpers/index.ts";

// Servers, the AWS CLI and python start in seconds, not milliseconds.
setDefaultTimeout(60_000);

const { server, s3, bucket } = useHost({ bucket: "cond" });
const otherEtag = '"0123456789abcdef0123456789abcdef"';

async function text(key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return await got.Body!.transformToString();
}

describe("GET and HEAD preconditions", () => {
  const key = "read/cond.txt";
  const body = "conditional read";
  const etag = `"${md5Hex(body)}"`;
  let lastModified = "";
  let hourBefore = "";

  beforeAll(async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const head = await signedFetch(server, objectPath(bucket, key), { method: "HEAD" });
    lastModified = head.headers.get("last-modified")!;
    hourBefore = new Date(Date.parse(lastModified) - 3600_000).toUTCString();
  });

  async function get(headers: Record<string, string>, method = "GET") {
    const response = await signedFetch(server, objectPath(bucket, key), { method, headers });
    return { status: response.status, body: await response.text(), headers: response.headers };
  }

  test("If-Match", async () => {
    expect((await get({ "if-match": etag })).status).toBe(200);
    expect((await get({ "if-match": "*" })).status).toBe(200);
    const failed = await get({ "if-match": otherEtag });
    expect(failed.status).toBe(412);
    expect(errorCodeOf(failed.body)).toBe("PreconditionFailed");
  });

  test("If-None-Match", async () => {
    const notModified = await get({ "if-none-match": etag });
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBe("");
    expect(notModified.headers.get("etag")).toBe(etag);
    const changed = await get({ "if-none-match": otherEtag });
    expect(changed.status).toBe(200);
    expect(changed.body).toBe(body);
  });

  test("If-Modified-Since", async () => {
    expect((await get({ "if-modified-since": lastModified })).status).toBe(304);
    const modified = await get({ "if-modified-since": hourBefore });
    expect(modified.status).toBe(200);
    expect(modified.body).toBe(body);
  });

  test("If-Unmodified-Since", async () => {
    expect((await get({ "if-unmodified-since": lastModified })).status).toBe(200);
    const failed = await get({ "if-unmodified-since": hourBefore });
    expect(failed.status).toBe(412);
    expect(errorCodeOf(failed.body)).toBe("PreconditionFailed");
  });

  test("S3's precedence: If-Match over If-Unmodified-Since, If-None-Match over If-Modified-Since", async () => {
    expect((await get({ "if-match": etag, "if-unmodified-since": hourBefore })).status).toBe(200);
    expect((await get({ "if-none-match": etag, "if-modified-since": hourBefore })).status).toBe(304);
  });

  test("an unparseable date is ignored", async () => {
    expect((await get({ "if-modified-since": "yesterday-ish" })).status).toBe(200);
    expect((await get({ "if-unmodified-since": "not a date" })).status).toBe(200);
  });

  test("conditions combine with Range", async () => {
    const ranged = await get({ "if-match": etag, range: "bytes=0-10" });
    expect(ranged.status).toBe(206);
    expect(ranged.body).toBe(body.slice(0, 11));
    expect((await get({ "if-match": otherEtag, range: "bytes=0-10" })).status).toBe(412);
  });

  test("HEAD: 412 and 304 without a body", async () => {
    const failed = await get({ "if-match": otherEtag }, "HEAD");
    expect(failed.status).toBe(412);
    expect(failed.body).toBe("");
    const notModified = await get({ "if-none-match": etag }, "HEAD");
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBe("");
  });

  test("the SDK sees 304 and 412", async () => {
    const notModified = await sdkFailure(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfNoneMatch: etag })),
    );
    expect(notModified.status).toBe(304);
    const failed = await sdkFailure(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: otherEtag })),
    );
    expect(failed).toMatchObject({ name: "PreconditionFailed", status: 412 });
  });
});

describe("conditional writes", () => {
  test("If-None-Match: * creates once, then → 412 and the object is unchanged", async () => {
    const key = "write/once.txt";
    const first = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: "first", IfNoneMatch: "*" }),
    );
    expect(first.ETag).toBe(`"${md5Hex("first")}"`);
    const failure = await sdkFailure(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "second", IfNoneMatch: "*" })),
    );
    expect(failure).toMatchObject({ name: "PreconditionFailed", status: 412 });
    const raw = await signedFetch(server, objectPath(bucket, key), {
      method: "PUT",
      body: "third",
      headers: { "if-none-match": "*" },
    });
    expect(raw.status).toBe(412);
    expect(errorCodeOf(await raw.text())).toBe("PreconditionFailed");
    expect(await text(key)).toBe("first");
  });

  test("If-Match: the current ETag replaces, another ETag → 412, a missing key → 404 NoSuchKey", async () => {
    const key = "write/swap.txt";
    const v1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "v1" }));
    const v2 = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: "v2", IfMatch: v1.ETag }),
    );
    expect(v2.ETag).toBe(`"${md5Hex("v2")}"`);
    const stale = await sdkFailure(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "v3", IfMatch: v1.ETag })),
    );
    expect(stale).toMatchObject({ name: "PreconditionFailed", status: 412 });
    expect(await text(key)).toBe("v2");
    const missing = await sdkFailure(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "write/absent.txt", Body: "x", IfMatch: v1.ETag })),
    );
    expect(missing).toMatchObject({ name: "NoSuchKey", status: 404 });
    expect(
      (await signedFetch(server, objectPath(bucket, "write/absent.txt"), { method: "HEAD" })).status,
    ).toBe(404);
  });

  test("concurrent If-None-Match: * writers: exactly one wins and its bytes are stored", async () => {
    const key = "write/race-create.txt";
    const bodies = Array.from({ length: 8 }, (_, i) => `writer ${i} `.repeat(2000));
    const results = await Promise.all(
      bodies.map((body) =>
        signedFetch(server, objectPath(bucket, key), {
          method: "PUT",
          body,
          headers: { "if-none-match": "*" },
        }).then(async (r) => ({
          status: r.status,
          code: r.status === 200 ? "" : errorCodeOf(await r.text()),
        })),
      ),
    );
    const winners = results.flatMap((r, i) => (r.status === 200 ? [i] : []));
    expect(winners.length).toBe(1);
    for (const r of results.filter((r) => r.status !== 200)) {
      expect([412, 409]).toContain(r.status);
      expect(["PreconditionFailed", "ConditionalRequestConflict"]).toContain(r.code);
    }
    expect(await text(key)).toBe(bodies[winners[0]!]!);
  });

  test("concurrent If-Match writers with the same ETag: exactly one wins", async () => {
    const key = "write/race-swap.txt";
    const base = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "base" }));
    const bodies = Array.from({ length: 6 }, (_, i) => `swap ${i} `.repeat(2000));
    const statuses = await Promise.all(
      bodies.map((body) =>
        signedFetch(server, objectPath(bucket, key), {
          method: "PUT",
          body,
          headers: { "if-match": base.ETag! },
        }).then((r) => r.status),
      ),
    );
    const winners = statuses.flatMap((s, i) => (s === 200 ? [i] : []));
    expect(winners.length).toBe(1);
    for (const s of statuses.filter((s) => s !== 200)) expect([412, 409]).toContain(s);
    expect(await text(key)).toBe(bodies[winners[0]!]!);
  });
});
