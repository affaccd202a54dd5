/**
 * STS and IAM (the Query API, a form POSTed to `/`) through the edge worker, with the AWS SDK: the
 * edge checks the signature over the form's hash for service "sts" or "iam" and forwards the same
 * bytes; the host, trusting the edge's X-Forwarded-Host (`--trusted-proxy 127.0.0.1`), checks it
 * again for the Host the client signed. A wrong secret is refused at the edge.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { CreatePolicyCommand, IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { startEdgeFor } from "../helpers/edge.ts";
import { startHost, type TestServer, testCredentials } from "../helpers/index.ts";

setDefaultTimeout(60_000);

let host: TestServer;
let edge: { url: string; stop: () => Promise<void> };

beforeAll(async () => {
  host = await startHost({ args: ["--trusted-proxy", "127.0.0.1"] });
  edge = await startEdgeFor(host, {
    unknownKeys: "refuse",
  });
});

afterAll(async () => {
  await edge?.stop();
  await host?.stop();
});

test("AssumeRole through the edge gives credentials that sign S3 requests through it", async () => {
  const sts = new STSClient({ endpoint: edge.url, region: host.region, credentials: testCredentials });
  const out = await sts.send(
    new AssumeRoleCommand({ RoleArn: "arn:aws:iam::000000000000:role/edge", RoleSessionName: "query" }),
  );
  expect(out.Credentials?.AccessKeyId).toStartWith("ASIA");
  const s3 = new S3Client({
    endpoint: edge.url,
    region: host.region,
    forcePathStyle: true,
    credentials: {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    },
  });
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: "no-such-bucket-here" })).catch((e) => e);
  expect(listed.name).toBe("NoSuchBucket");
  s3.destroy();
  sts.destroy();
});

test("an IAM call through the edge is answered by the host", async () => {
  const iam = new IAMClient({ endpoint: edge.url, region: host.region, credentials: testCredentials });
  const users = await iam.send(new ListUsersCommand({}));
  expect(users.$metadata.httpStatusCode).toBe(200);
  iam.destroy();
});

test("a wrong secret is refused at the edge, before any host", async () => {
  const before = host.accessLog().length;
  const sts = new STSClient({
    endpoint: edge.url,
    region: host.region,
    credentials: {
      accessKeyId: testCredentials.accessKeyId,
      secretAccessKey: "wrong/secret/wrong+secret/0000000000000",
    },
  });
  const refused = await sts
    .send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::000000000000:role/edge", RoleSessionName: "bad" }))
    .catch((e) => e);
  expect(refused.name).toBe("SignatureDoesNotMatch");
  expect(refused.$response?.headers?.["x-s3dir-edge"]).toBe("refused");
  expect(host.accessLog().length).toBe(before);
  sts.destroy();
});

test("a form over 1 MiB, even sent without a length, is refused at the edge before any host", async () => {
  const before = host.accessLog().length;
  const chunk = new TextEncoder().encode(`Action=ListUsers&Version=2010-05-08&Pad=${"x".repeat(64 * 1024)}`);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= 32) return controller.close();
      sent++;
      controller.enqueue(chunk);
    },
  });
  const res = await fetch(`${edge.url}/`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  expect(res.status).toBe(400);
  expect(res.headers.get("x-s3dir-edge")).toBe("refused");
  const text = await res.text();
  expect(text).toContain("<ErrorResponse");
  expect(text).toContain("<Code>EntityTooLarge</Code>");
  expect(host.accessLog().length).toBe(before);
});

test("an IAM form over 1 MiB is refused at the edge in IAM's error format, which the SDK reads", async () => {
  const before = host.accessLog().length;
  const iam = new IAMClient({ endpoint: edge.url, region: host.region, credentials: testCredentials });
  const statement = {
    Effect: "Allow",
    Action: "s3:GetObject",
    Resource: `arn:aws:s3:::${"b".repeat(1000)}/*`,
  };
  const document = JSON.stringify({ Version: "2012-10-17", Statement: Array(1100).fill(statement) });
  const refused = await iam
    .send(new CreatePolicyCommand({ PolicyName: "too-large", PolicyDocument: document }))
    .catch((e) => e);
  expect(refused.name).toBe("EntityTooLarge");
  expect(refused.$metadata?.httpStatusCode).toBe(400);
  expect(refused.$response?.headers?.["x-s3dir-edge"]).toBe("refused");
  expect(host.accessLog().length).toBe(before);
  iam.destroy();
});
