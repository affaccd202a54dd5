/**
 * The edge worker never caches an SSE-C answer: a GET with the customer key goes to the host every
 * time, so a later request for the object without the key (or with a wrong one) is judged by the
 * host, never answered with cached plaintext. Links that carry the key sign its headers, since S3
 * refuses x-amz-* headers a presigned request does not sign.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { presignUrl } from "../../src/lib/presign.ts";
import { startEdgeFor } from "../helpers/edge.ts";
import {
  errorCodeOf,
  newCustomerKey,
  s3Client,
  settled,
  startHost,
  type TestServer,
  testCredentials,
  uniqueBucket,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

let host: TestServer;
let edge: { url: string; stop: () => Promise<void> };
let direct: S3Client;
const bucket = uniqueBucket("edge-ssec");

const keyHeaders = newCustomerKey().headers;
const wrongKeyHeaders = newCustomerKey().headers;
const secret = "only for the key holder";

/** Requests the host has logged so far. */
const originRequests = () => host.accessLog().length;

const settledOriginRequests = () => settled(originRequests);

/** A presigned link; with `headers`, those are signed too (S3 refuses unsigned SSE-C headers). */
const link = (key: string, query = "", method = "GET", headers?: Record<string, string>) =>
  presignUrl({
    method,
    url: `${edge.url}/${bucket}/${key}${query}`,
    accessKeyId: testCredentials.accessKeyId,
    secretAccessKey: testCredentials.secretAccessKey,
    region: "us-east-1",
    expiresSeconds: 300,
    headers,
  });
const keyLink = (key: string, method = "GET") => link(key, "", method, keyHeaders);

beforeAll(async () => {
  host = await startHost({ args: ["--trusted-proxy", "127.0.0.1", "--allow-sse-c-over-http", "on"] });
  edge = await startEdgeFor(host);
  direct = s3Client(host);
  await direct.send(new CreateBucketCommand({ Bucket: bucket }));
  await direct.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: "ssec.txt",
      Body: secret,
      SSECustomerAlgorithm: "AES256",
      SSECustomerKey: keyHeaders["x-amz-server-side-encryption-customer-key"],
      SSECustomerKeyMD5: keyHeaders["x-amz-server-side-encryption-customer-key-md5"],
    }),
  );
  await direct.send(new PutObjectCommand({ Bucket: bucket, Key: "plain.txt", Body: "plain" }));
});

afterAll(async () => {
  direct?.destroy();
  await edge?.stop();
  await host?.stop();
});

describe("edge worker and SSE-C", () => {
  test("an SSE-C GET passes through to the host every time and is never cached", async () => {
    const url = await keyLink("ssec.txt");
    for (let i = 0; i < 3; i++) {
      const before = await settledOriginRequests();
      const response = await fetch(url, { headers: keyHeaders });
      expect(response.status).toBe(200);
      expect(response.headers.get("x-amz-server-side-encryption-customer-algorithm")).toBe("AES256");
      expect(response.headers.get("x-s3dir-edge-cache")).toBeNull();
      expect(await response.text()).toBe(secret);
      expect(await settledOriginRequests()).toBe(before + 1);
    }
  });

  test("a link without the key, or with a wrong one, is refused, never served from cache", async () => {
    const warm = await fetch(await keyLink("ssec.txt"), { headers: keyHeaders });
    expect(await warm.text()).toBe(secret);
    const url = await link("ssec.txt");
    // Give a (wrongly) stored copy time to land before asking without the key.
    await settledOriginRequests();
    await Bun.sleep(300);

    let before = await settledOriginRequests();
    const without = await fetch(url);
    const withoutBody = await without.text();
    expect(without.status).toBe(400);
    expect(without.headers.get("x-s3dir-edge-cache")).toBeNull();
    expect(errorCodeOf(withoutBody)).toBe("InvalidRequest");
    expect(withoutBody).not.toContain(secret);
    expect(await settledOriginRequests()).toBe(before + 1);

    // Key headers the link does not sign are refused as S3 refuses them.
    const unsigned = await fetch(url, { headers: keyHeaders });
    const unsignedBody = await unsigned.text();
    expect(unsigned.status).toBe(403);
    expect(unsignedBody).toContain("HeadersNotSigned");
    expect(unsignedBody).not.toContain(secret);

    before = await settledOriginRequests();
    const wrongLink = await link("ssec.txt", "", "GET", wrongKeyHeaders);
    const wrong = await fetch(wrongLink, { headers: wrongKeyHeaders });
    const wrongBody = await wrong.text();
    expect(wrong.status).toBe(403);
    expect(wrong.headers.get("x-s3dir-edge-cache")).toBeNull();
    expect(errorCodeOf(wrongBody)).toBe("AccessDenied");
    expect(wrongBody).not.toContain(secret);
    expect(await settledOriginRequests()).toBe(before + 1);

    const headUrl = await keyLink("ssec.txt", "HEAD");
    expect((await fetch(headUrl, { method: "HEAD", headers: keyHeaders })).status).toBe(200);
    const head = await fetch(await link("ssec.txt", "", "HEAD"), { method: "HEAD" });
    expect(head.status).toBe(400);
    expect(head.headers.get("x-s3dir-edge-cache")).toBeNull();
  });

  test("the key hoisted into a presigned link's query is not cached either", async () => {
    // Spelled as the SDKs spell hoisted headers (X-Amz-…), which the edge otherwise takes for a plain read.
    const hoisted = (name: string) =>
      name.replace(/(^|-)([a-z])/g, (_, dash, c: string) => dash + c.toUpperCase());
    const query = `?${Object.entries(keyHeaders)
      .map(([name, value]) => `${hoisted(name).replace(/-Md5$/, "-MD5")}=${encodeURIComponent(value)}`)
      .join("&")}`;
    const url = await link("ssec.txt", query);
    for (let i = 0; i < 2; i++) {
      const before = await settledOriginRequests();
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-s3dir-edge-cache")).toBeNull();
      expect(await response.text()).toBe(secret);
      expect(await settledOriginRequests()).toBe(before + 1);
    }
  });

  test("a request carrying SSE-C headers is never answered from the cache", async () => {
    const url = await link("plain.txt");
    expect(await (await fetch(url)).text()).toBe("plain");
    expect(
      await waitFor(async () => {
        const response = await fetch(url);
        await response.arrayBuffer();
        return response.headers.get("x-s3dir-edge-cache") === "hit";
      }),
    ).toBe(true);
    const before = await settledOriginRequests();
    const response = await fetch(await keyLink("plain.txt"), { headers: keyHeaders });
    await response.arrayBuffer();
    expect(response.headers.get("x-s3dir-edge-cache")).not.toBe("hit");
    expect(await settledOriginRequests()).toBe(before + 1);
  });
});
