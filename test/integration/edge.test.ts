/**
 * The edge worker in workerd (miniflare) in front of real s3dir hosts: presigned links from the AWS
 * SDK and `s3dir presign` pass through; forged, expired and wrong-key links are refused at the edge
 * without reaching a host; a cached GET is served without the origin; a host that is down is skipped.
 * Hosts trust the edge's X-Forwarded-Host (`--trusted-proxy 127.0.0.1`).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { presignUrl } from "../../src/lib/presign.ts";
import { startEdgeWithRootCredential } from "../helpers/edge.ts";
import {
  type Credentials,
  errorCodeOf,
  expectOk,
  freePort,
  py,
  s3Client,
  s3dirCliWithEnv,
  settled,
  startHost,
  type TestServer,
  testCredentials,
  waitFor,
} from "../helpers/index.ts";
import { allowAnyone } from "../helpers/public-policy.ts";

setDefaultTimeout(60_000);

const trust = ["--trusted-proxy", "127.0.0.1"];
let host1: TestServer;
let host2: TestServer;
let edge: { url: string; stop: () => Promise<void> };
let direct: S3Client;
let edgeClient: S3Client;
const bucket = "edge-bucket";

/** Requests the hosts have logged so far. */
const originRequests = () => host1.accessLog().length + host2.accessLog().length;

const settledOriginRequests = () => settled(originRequests);

beforeAll(async () => {
  host1 = await startHost({ args: trust });
  host2 = await startHost({ root: host1.root, args: trust });
  const dead = await freePort();
  edge = await startEdgeWithRootCredential({
    port: await freePort(),
    origins: [`http://127.0.0.1:${dead}`, host1.endpoint, host2.endpoint],
    root: host1.root,
    unknownKeys: "refuse",
    policyReaderId: testCredentials.accessKeyId,
  });
  direct = s3Client(host1);
  edgeClient = new S3Client({
    endpoint: edge.url,
    region: host1.region,
    forcePathStyle: true,
    credentials: testCredentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
  await direct.send(new CreateBucketCommand({ Bucket: bucket }));
  await direct.send(new PutObjectCommand({ Bucket: bucket, Key: "hello.txt", Body: "hello edge" }));
});

afterAll(async () => {
  edgeClient?.destroy();
  direct?.destroy();
  await edge?.stop();
  await host2?.stop();
  await host1?.stop();
});

/** Waits until the edge answers `url` from its cache (the copy is stored after the first answer). */
async function untilCached(url: string): Promise<void> {
  await waitFor(async () => {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.headers.get("x-s3dir-edge-cache") === "hit";
  });
}

async function sdkLink(method: "GET" | "PUT", key: string): Promise<string> {
  const command =
    method === "GET"
      ? new GetObjectCommand({ Bucket: bucket, Key: key })
      : new PutObjectCommand({ Bucket: bucket, Key: key });
  return await getSignedUrl(edgeClient, command, { expiresIn: 300 });
}

async function cliLink(method: string, key: string): Promise<string> {
  const result = await s3dirCliWithEnv(
    host1.root,
    {
      S3DIR_ROOT_ACCESS_KEY: testCredentials.accessKeyId,
      S3DIR_ROOT_SECRET_KEY: testCredentials.secretAccessKey,
    },
    "presign",
    method,
    `${bucket}/${key}`,
    "--endpoint",
    edge.url,
    "--json",
  );
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { url: string }).url;
}

describe("edge worker", () => {
  test("SDK presigned PUT and GET pass through, and the GET is then served from the cache", async () => {
    const put = await fetch(await sdkLink("PUT", "sdk.bin"), { method: "PUT", body: "x".repeat(5000) });
    expect(put.status).toBe(200);
    const link = await sdkLink("GET", "sdk.bin");
    const first = await fetch(link);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-s3dir-edge-cache")).toBe("miss");
    expect((await first.text()).length).toBe(5000);
    await untilCached(link);
    const before = await settledOriginRequests();
    const second = await fetch(link);
    expect(second.headers.get("x-s3dir-edge-cache")).toBe("hit");
    expect((await second.text()).length).toBe(5000);
    const ranged = await fetch(link, { headers: { range: "bytes=10-19" } });
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe("x".repeat(10));
    expect(await settledOriginRequests()).toBe(before);
  });

  test("boto3 SigV2 links (signature_version='s3') pass through and are cached; a forged one stops at the edge", async () => {
    const result = await py(
      { ...host1, endpoint: edge.url },
      `
      v2 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], region_name=os.environ["AWS_DEFAULT_REGION"],
                        config=Config(signature_version="s3", s3={"addressing_style": "path"}))
      out({
        "put": v2.generate_presigned_url("put_object", Params={"Bucket": "${bucket}", "Key": "v2.txt"}, ExpiresIn=300),
        "get": v2.generate_presigned_url("get_object", Params={"Bucket": "${bucket}", "Key": "v2.txt"}, ExpiresIn=300),
      })
      `,
    );
    const links = expectOk(result) as { put: string; get: string };
    expect(links.get).toContain("AWSAccessKeyId=");
    expect((await fetch(links.put, { method: "PUT", body: "signed v2" })).status).toBe(200);
    const first = await fetch(links.get);
    expect(await first.text()).toBe("signed v2");
    await untilCached(links.get);
    const before = await settledOriginRequests();
    const forged = await fetch(links.get.replace(/Signature=[^&]*/, "Signature=Zm9yZ2Vk"));
    expect(forged.status).toBe(403);
    expect(errorCodeOf(await forged.text())).toBe("SignatureDoesNotMatch");
    const hit = await fetch(links.get);
    expect(hit.headers.get("x-s3dir-edge-cache")).toBe("hit");
    expect(await hit.text()).toBe("signed v2");
    expect(await settledOriginRequests()).toBe(before);
  });

  test("a PUT with Expect: 100-continue (curl -T, the AWS CLI, boto3) goes through", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s3dir-edge-expect-"));
    try {
      const file = join(dir, "upload.bin");
      const body = "e".repeat(3 * 1024 * 1024 + 5);
      writeFileSync(file, body);
      const link = await sdkLink("PUT", "expect.bin");
      const curl = Bun.spawn(
        [
          "curl",
          "-sS",
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
          "-H",
          "Expect: 100-continue",
          "-T",
          file,
          link,
        ],
        { stdout: "pipe", stderr: "pipe" },
      );
      const [status, stderr] = await Promise.all([
        new Response(curl.stdout).text(),
        new Response(curl.stderr).text(),
      ]);
      await curl.exited;
      expect({ status, stderr }).toEqual({ status: "200", stderr: "" });
      const got = await direct.send(new GetObjectCommand({ Bucket: bucket, Key: "expect.bin" }));
      expect(await got.Body!.transformToString()).toBe(body);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("s3dir presign links pass through; a PUT through the edge purges the cached copy", async () => {
    const get = await cliLink("GET", "hello.txt");
    expect(await (await fetch(get)).text()).toBe("hello edge");
    await untilCached(get);
    const put = await fetch(await cliLink("PUT", "hello.txt"), { method: "PUT", body: "replaced" });
    expect(put.status).toBe(200);
    const after = await fetch(get);
    expect(await after.text()).toBe("replaced");
  });

  test("forged, expired and wrong-key links are refused at the edge", async () => {
    const link = await cliLink("GET", "hello.txt");
    const before = await settledOriginRequests();
    const cases: [string, string][] = [
      [
        link.replace(/X-Amz-Signature=([0-9a-f])/, (_, c) => `X-Amz-Signature=${c === "0" ? "1" : "0"}`),
        "SignatureDoesNotMatch",
      ],
      [link.replace("hello.txt", "other.txt"), "SignatureDoesNotMatch"],
      [
        await presignUrl({
          method: "GET",
          url: `${edge.url}/${bucket}/hello.txt`,
          accessKeyId: testCredentials.accessKeyId,
          secretAccessKey: testCredentials.secretAccessKey,
          region: "us-east-1",
          expiresSeconds: 1,
          now: new Date(Date.now() - 60_000),
        }),
        "AccessDenied",
      ],
      [
        await presignUrl({
          method: "GET",
          url: `${edge.url}/${bucket}/hello.txt`,
          accessKeyId: "AKIAUNKNOWNKEY000000",
          secretAccessKey: "whatever",
          region: "us-east-1",
          expiresSeconds: 60,
        }),
        "InvalidAccessKeyId",
      ],
      [
        await presignUrl({
          method: "GET",
          url: `${edge.url}/${bucket}/hello.txt`,
          accessKeyId: testCredentials.accessKeyId,
          secretAccessKey: "not-the-secret",
          region: "us-east-1",
          expiresSeconds: 60,
        }),
        "SignatureDoesNotMatch",
      ],
      [
        await presignUrl({
          method: "GET",
          url: `${edge.url}/${bucket}/hello.txt`,
          accessKeyId: testCredentials.accessKeyId,
          secretAccessKey: testCredentials.secretAccessKey,
          region: "eu-west-1",
          expiresSeconds: 60,
        }),
        "AuthorizationQueryParametersError",
      ],
    ];
    for (const [url, code] of cases) {
      const response = await fetch(url);
      expect(response.headers.get("x-s3dir-edge")).toBe("refused");
      expect(errorCodeOf(await response.text())).toBe(code);
    }
    expect(await settledOriginRequests()).toBe(before);
  });

  test("the edge refuses with the same error the host gives", async () => {
    const link = await cliLink("GET", "hello.txt");
    const forged = link.replace(/X-Amz-Signature=[0-9a-f]{4}/, "X-Amz-Signature=0000");
    const atEdge = await fetch(forged);
    const atHost = await fetch(forged.replace(edge.url, host1.endpoint));
    expect(atEdge.status).toBe(atHost.status);
    expect(errorCodeOf(await atEdge.text())).toBe(errorCodeOf(await atHost.text()));
  });

  test("a dot segment made with an encoded slash is refused at the edge, as by the host", async () => {
    const before = await settledOriginRequests();
    const response = await fetch(`${edge.url}/${bucket}/x%2F..%2Fhello.txt`);
    expect(response.status).toBe(400);
    expect(response.headers.get("x-s3dir-edge")).toBe("refused");
    expect(errorCodeOf(await response.text())).toBe("InvalidArgument");
    expect(await settledOriginRequests()).toBe(before);
  });

  test("STS links are checked at the edge; a cached object is never served to a principal the host refused", async () => {
    const cli = async (...args: string[]) => {
      const result = await s3dirCliWithEnv(host1.root, {}, ...args, "--json");
      if (result.code !== 0) throw new Error(`s3dir ${args.join(" ")}: ${result.stderr}`);
      return result.stdout;
    };
    await cli("user", "add", "reader", "--role", "s3");
    await cli("policy", "attach", "readonly", "reader");
    await cli("user", "add", "nobody", "--role", "s3");
    const reader = JSON.parse(await cli("key", "create", "reader")) as Credentials;
    const nobody = JSON.parse(await cli("key", "create", "nobody")) as Credentials;
    const out = await new STSClient({
      endpoint: host1.endpoint,
      region: host1.region,
      credentials: reader,
    }).send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::000000000000:role/edge", RoleSessionName: "s1" }));
    const session = {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    };
    // A second edge, started now that the token key exists, that also holds nobody's key.
    const edge2 = await startEdgeWithRootCredential({
      port: await freePort(),
      origins: [host1.endpoint],
      root: host1.root,
      edgeKeyIds: [nobody.accessKeyId],
      unknownKeys: "refuse",
    });
    try {
      const at = (
        creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
        expiresSeconds = 300,
      ) =>
        presignUrl({
          method: "GET",
          url: `${edge2.url}/${bucket}/sdk.bin`,
          ...creds,
          region: "us-east-1",
          expiresSeconds,
        });
      const warm = await fetch(await at(testCredentials));
      expect(warm.status).toBe(200);
      await warm.arrayBuffer();
      await untilCached(await at(testCredentials));
      const viaSession = await fetch(await at(session));
      expect(viaSession.status).toBe(200);
      expect((await viaSession.text()).length).toBe(5000);
      const denied = await fetch(await at(nobody));
      expect(denied.headers.get("x-s3dir-edge-cache")).toBeNull();
      expect(errorCodeOf(await denied.text())).toBe("AccessDenied");
      const before = await settledOriginRequests();
      const forged = await presignUrl({
        method: "GET",
        url: `${edge2.url}/${bucket}/sdk.bin`,
        ...session,
        sessionToken: `${session.sessionToken.slice(0, -4)}AAAA`,
        region: "us-east-1",
        expiresSeconds: 300,
      });
      const refused = await fetch(forged);
      expect(refused.headers.get("x-s3dir-edge")).toBe("refused");
      expect(errorCodeOf(await refused.text())).toBe("InvalidToken");
      expect(await settledOriginRequests()).toBe(before);
    } finally {
      await edge2.stop();
    }
  });

  test("anonymous GETs a bucket policy allows are cached; others go to the host", async () => {
    await direct.send(new PutObjectCommand({ Bucket: bucket, Key: "public/p.txt", Body: "for everyone" }));
    await allowAnyone(direct, bucket, "s3:GetObject", `${bucket}/public/*`);
    // Hosts see a new bucket policy within about a second.
    await waitFor(async () => (await fetch(`${host1.endpoint}/${bucket}/public/p.txt`)).status === 200);
    await waitFor(async () => (await fetch(`${host2.endpoint}/${bucket}/public/p.txt`)).status === 200);
    const url = `${edge.url}/${bucket}/public/p.txt`;
    const first = await fetch(url);
    expect(await first.text()).toBe("for everyone");
    expect(first.headers.get("x-s3dir-edge-cache")).toBe("miss");
    await untilCached(url);
    const before = await settledOriginRequests();
    const second = await fetch(url);
    expect(second.headers.get("x-s3dir-edge-cache")).toBe("hit");
    expect(await second.text()).toBe("for everyone");
    expect(await settledOriginRequests()).toBe(before);
    const closed = await fetch(`${edge.url}/${bucket}/hello.txt`);
    expect(closed.status).toBe(403);
    expect(closed.headers.get("x-s3dir-edge-cache")).toBeNull();
    expect(errorCodeOf(await closed.text())).toBe("AccessDenied");
  });

  test("a host that is down is skipped", async () => {
    // The first origin in the pool is a closed port: every request above went to the next one.
    const response = await fetch(await cliLink("GET", "hello.txt"));
    expect(response.status).toBe(200);
  });
});
