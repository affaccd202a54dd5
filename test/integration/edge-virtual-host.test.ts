/**
 * Virtual-hosted-style requests through the edge worker (`DOMAINS`, the hosts' `--domain`): under a
 * bucket's name, `/_console/…` is that bucket's key `_console/…`, checked at the edge like any other
 * object request and served by the host as an object; on the edge's own name it is the console.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { startEdgeFor } from "../helpers/edge.ts";
import { freePort, s3Client, startHost, type TestServer, virtualHostClient } from "../helpers/index.ts";

setDefaultTimeout(60_000);

const domain = "s3.localhost";
const bucket = "edge-vhost";
let host: TestServer;
let edge: { url: string; stop: () => Promise<void> };
let edgePort: number;

beforeAll(async () => {
  host = await startHost({ args: ["--trusted-proxy", "127.0.0.1", "--domain", domain] });
  edgePort = await freePort();
  edge = await startEdgeFor(host, {
    port: edgePort,
    unknownKeys: "refuse",
    vars: { DOMAINS: domain },
  });
  const direct = s3Client(host);
  await direct.send(new CreateBucketCommand({ Bucket: bucket }));
  direct.destroy();
});

afterAll(async () => {
  await edge?.stop();
  await host?.stop();
});

test("through the edge, a bucket's key _console/… is written, read and listed as an object", async () => {
  const s3 = virtualHostClient({ ...host, port: edgePort }, domain);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "_console/index.html", Body: "mine" }));
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "_console/index.html" }));
  expect(await got.Body?.transformToString()).toBe("mine");
  expect(got.$metadata.httpStatusCode).toBe(200);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "_console/" }));
  expect(listed.Contents?.map((c) => c.Key)).toEqual(["_console/index.html"]);
  s3.destroy();
});

test("through the edge, a bad signature on a bucket's key _console/… is refused at the edge", async () => {
  const before = host.accessLog().length;
  const s3 = virtualHostClient({ ...host, port: edgePort }, domain, {
    accessKeyId: host.accessKeyId,
    secretAccessKey: "wrong/secret/wrong+secret/0000000000000",
  });
  const refused = await s3
    .send(new GetObjectCommand({ Bucket: bucket, Key: "_console/index.html" }))
    .catch((e) => e);
  expect(refused.name).toBe("SignatureDoesNotMatch");
  expect(refused.$response?.headers?.["x-s3dir-edge"]).toBe("refused");
  expect(host.accessLog().length).toBe(before);
  s3.destroy();
});

test("on the edge's own name, /_console/ is still the console", async () => {
  const page = await fetch(`${edge.url}/_console/`);
  expect(page.status).toBe(200);
  expect(page.headers.get("x-frame-options")).toBe("DENY");
  expect(await page.text()).toContain("<html");
});
