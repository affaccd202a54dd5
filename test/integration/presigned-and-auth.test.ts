import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import {
  aws,
  bytes,
  errorCodeOf,
  expectOk,
  md5Hex,
  objectPath,
  presignUrl,
  py,
  rawRequest,
  s3Client,
  sdkFailure,
  signedFetch,
  signedRequest,
  uniqueBucket,
  useHost,
  xmlValue,
} from "../helpers/index.ts";

// Servers, the AWS CLI and python start in seconds, not milliseconds.
setDefaultTimeout(60_000);

const { server, s3 } = useHost({ bucket: false });
let workdir: string;
const bucket = uniqueBucket("auth");

beforeAll(async () => {
  workdir = mkdtempSync(join(tmpdir(), "s3dir-auth-"));
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: "shared/ü file+1.txt", Body: "presigned content" }),
  );
});
afterAll(async () => {
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

async function curl(args: string[]): Promise<{ status: number; stderr: string }> {
  const proc = Bun.spawn(["curl", "-sS", "-o", join(workdir, "curl-out"), "-w", "%{http_code}", ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  await proc.exited;
  return { status: Number(stdout.trim()), stderr };
}

const curlOutput = () => readFileSync(join(workdir, "curl-out"));

async function exists(key: string): Promise<boolean> {
  return (await signedFetch(server, objectPath(bucket, key), { method: "HEAD" })).status === 200;
}

/** A client for presigning uploads as AWS documents it: no checksum of an (absent) body baked into the URL. */
function presignClient(): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
}

describe("presigned URLs", () => {
  test("SDK-presigned GET works with fetch and curl; response overrides apply", async () => {
    const url = await getSignedUrl(
      s3,
      new GetObjectCommand({
        Bucket: bucket,
        Key: "shared/ü file+1.txt",
        ResponseContentDisposition: "attachment",
      }),
      { expiresIn: 120 },
    );
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toBe("attachment");
    expect(await response.text()).toBe("presigned content");
    const viaCurl = await curl([url]);
    expect(viaCurl.status).toBe(200);
    expect(curlOutput().toString()).toBe("presigned content");
  });

  test("SDK-presigned PUT works with fetch and with curl (Expect: 100-continue for a large body)", async () => {
    const client = presignClient();
    try {
      const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: "up/fetch.txt" }), {
        expiresIn: 120,
      });
      const put = await fetch(url, { method: "PUT", body: "uploaded with fetch" });
      expect(put.status).toBe(200);
      expect(put.headers.get("etag")).toBe(`"${md5Hex("uploaded with fetch")}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "up/fetch.txt" }));
      expect(await got.Body!.transformToString()).toBe("uploaded with fetch");

      const data = bytes(1536 * 1024, 21);
      writeFileSync(join(workdir, "large.bin"), data);
      const curlUrl = await getSignedUrl(
        client,
        new PutObjectCommand({ Bucket: bucket, Key: "up/curl large.bin" }),
        {
          expiresIn: 120,
        },
      );
      const uploaded = await curl(["-X", "PUT", "--upload-file", join(workdir, "large.bin"), curlUrl]);
      expect(uploaded).toEqual({ status: 200, stderr: "" });
      const back = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "up/curl large.bin" }));
      expect(back.ETag).toBe(`"${md5Hex(data)}"`);
    } finally {
      client.destroy();
    }
  });

  test("a presigned PUT whose signed checksum does not match the body → 400 BadDigest, nothing stored", async () => {
    // The SDK's default presigner signs x-amz-checksum-crc32 of an empty body into the URL.
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: "up/crc-mismatch.txt" }), {
      expiresIn: 120,
    });
    expect(url).toContain("x-amz-checksum-crc32=");
    const put = await fetch(url, { method: "PUT", body: "not empty" });
    expect(put.status).toBe(400);
    expect(errorCodeOf(await put.text())).toBe("BadDigest");
    expect(await exists("up/crc-mismatch.txt")).toBe(false);
  });

  test("AWS CLI presign and boto3 presigned GET and PUT (SigV4), used with curl", async () => {
    // botocore presigns with Signature Version 2 unless told otherwise; s3dir accepts only SigV4.
    const config = join(workdir, "aws-config");
    writeFileSync(config, "[default]\ns3 =\n  signature_version = s3v4\n");
    const fromCli = await aws(
      server,
      ["s3", "presign", `s3://${bucket}/shared/ü file+1.txt`, "--expires-in", "120"],
      { env: { AWS_CONFIG_FILE: config } },
    );
    expectOk(fromCli);
    expect(fromCli.stdout.trim()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*X-Amz-Signature=/);
    const got = await curl([fromCli.stdout.trim()]);
    expect(got.status).toBe(200);
    expect(curlOutput().toString()).toBe("presigned content");

    const result = await py(
      server,
      `
      bucket = ${JSON.stringify(bucket)}
      s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], config=Config(signature_version="s3v4"))
      out({
        "get": s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "shared/ü file+1.txt"}, ExpiresIn=120),
        "put": s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up/boto put.txt"}, ExpiresIn=120),
      })
      `,
    );
    const urls = expectOk(result) as { get: string; put: string };
    expect((await curl([urls.get])).status).toBe(200);
    expect(curlOutput().toString()).toBe("presigned content");
    writeFileSync(join(workdir, "small.txt"), "from curl via boto3 url");
    expect((await curl(["-X", "PUT", "--upload-file", join(workdir, "small.txt"), urls.put])).status).toBe(
      200,
    );
    const back = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "up/boto put.txt" }));
    expect(await back.Body!.transformToString()).toBe("from curl via boto3 url");
  });

  test("tampered presigned URLs → 403 SignatureDoesNotMatch, nothing stored", async () => {
    const url = new URL(
      await presignUrl(server, objectPath(bucket, "shared/ü file+1.txt"), { expiresIn: 120 }),
    );
    const signature = url.searchParams.get("X-Amz-Signature")!;
    const variants: Record<string, string> = {};
    const flipped = new URL(url);
    flipped.searchParams.set("X-Amz-Signature", (signature[0] === "a" ? "b" : "a") + signature.slice(1));
    variants.signature = flipped.toString();
    const otherKey = new URL(url);
    otherKey.pathname = objectPath(bucket, "shared/other.txt");
    variants.key = otherKey.toString();
    const longer = new URL(url);
    longer.searchParams.set("X-Amz-Expires", "3600");
    variants.expiry = longer.toString();
    const extra = new URL(url);
    extra.searchParams.set("response-content-type", "text/html");
    variants["added parameter"] = extra.toString();
    for (const [name, tampered] of Object.entries(variants)) {
      const response = await fetch(tampered);
      const code = errorCodeOf(await response.text());
      expect({ name, status: response.status, code }).toEqual({
        name,
        status: 403,
        code: "SignatureDoesNotMatch",
      });
    }
    const putWithGetUrl = await fetch(
      await presignUrl(server, objectPath(bucket, "up/method.txt"), { method: "GET", expiresIn: 120 }),
      { method: "PUT", body: "sneaky" },
    );
    expect(putWithGetUrl.status).toBe(403);
    expect(errorCodeOf(await putWithGetUrl.text())).toBe("SignatureDoesNotMatch");
    expect(await exists("up/method.txt")).toBe(false);
  });

  test("unsigned x-amz-* headers on a presigned URL → 403 AccessDenied, no copy made, nothing stored", async () => {
    const url = await presignUrl(server, objectPath(bucket, "up/copy-target.txt"), {
      method: "PUT",
      expiresIn: 120,
    });
    const copy = await fetch(url, {
      method: "PUT",
      headers: { "x-amz-copy-source": `/${bucket}/${encodeURIComponent("shared/ü file+1.txt")}` },
    });
    const xml = await copy.text();
    expect(copy.status).toBe(403);
    expect(errorCodeOf(xml)).toBe("AccessDenied");
    expect(xmlValue(xml, "Message")).toBe("There were headers present in the request which were not signed");
    expect(xmlValue(xml, "HeadersNotSigned")).toBe("x-amz-copy-source");
    const meta = await fetch(url, {
      method: "PUT",
      headers: { "x-amz-meta-owner": "mallory", "x-amz-tagging": "a=b" },
      body: "tagged",
    });
    expect(meta.status).toBe(403);
    expect(xmlValue(await meta.text(), "HeadersNotSigned")).toBe("x-amz-meta-owner, x-amz-tagging");
    expect(await exists("up/copy-target.txt")).toBe(false);
    // The payload hash header names what was signed (UNSIGNED-PAYLOAD): S3 does not ask for it to be signed.
    const plain = await fetch(url, {
      method: "PUT",
      headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
      body: "plain upload",
    });
    expect(plain.status).toBe(200);
    expect(await exists("up/copy-target.txt")).toBe(true);
  });

  test("an expired presigned URL → 403 AccessDenied", async () => {
    const url = await presignUrl(server, objectPath(bucket, "shared/ü file+1.txt"), {
      expiresIn: 60,
      date: new Date(Date.now() - 3600_000),
    });
    const response = await fetch(url);
    expect(response.status).toBe(403);
    expect(errorCodeOf(await response.text())).toBe("AccessDenied");
  });

  test("X-Amz-Expires beyond 7 days → 400 AuthorizationQueryParametersError", async () => {
    const url = await presignUrl(server, objectPath(bucket, "shared/ü file+1.txt"), { expiresIn: 604801 });
    const response = await fetch(url);
    expect(response.status).toBe(400);
    expect(errorCodeOf(await response.text())).toBe("AuthorizationQueryParametersError");
  });

  test("a presigned URL of an unknown access key → 403 InvalidAccessKeyId", async () => {
    const url = await presignUrl(server, objectPath(bucket, "shared/ü file+1.txt"), {
      credentials: { accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "whatever" },
    });
    const response = await fetch(url);
    expect(response.status).toBe(403);
    expect(errorCodeOf(await response.text())).toBe("InvalidAccessKeyId");
  });
});

describe("header authentication", () => {
  const wrongSecret = () => ({
    accessKeyId: server.accessKeyId,
    secretAccessKey: `${server.secretAccessKey}x`,
  });
  const unknownKey = { accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "irrelevant" };

  test("a wrong secret → 403 SignatureDoesNotMatch (raw, SDK, CLI, boto3), nothing stored", async () => {
    const raw = await signedFetch(server, objectPath(bucket, "auth/wrong.txt"), {
      method: "PUT",
      body: "x",
      credentials: wrongSecret(),
    });
    expect(raw.status).toBe(403);
    expect(errorCodeOf(await raw.text())).toBe("SignatureDoesNotMatch");
    expect(await exists("auth/wrong.txt")).toBe(false);

    const client = s3Client(server, wrongSecret());
    try {
      expect(await sdkFailure(client.send(new ListBucketsCommand({})))).toMatchObject({
        name: "SignatureDoesNotMatch",
        status: 403,
      });
    } finally {
      client.destroy();
    }
    const cli = await aws(server, ["s3api", "list-buckets"], { credentials: wrongSecret() });
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain("SignatureDoesNotMatch");
    const boto = await py(
      server,
      `
      try:
          s3.list_buckets()
          out("no error")
      except botocore.exceptions.ClientError as e:
          out(e.response["Error"]["Code"])
      `,
      { credentials: wrongSecret() },
    );
    expect(expectOk(boto)).toBe("SignatureDoesNotMatch");
  });

  test("an unknown access key → 403 InvalidAccessKeyId", async () => {
    const raw = await signedFetch(server, `/${bucket}`, { credentials: unknownKey });
    expect(raw.status).toBe(403);
    expect(errorCodeOf(await raw.text())).toBe("InvalidAccessKeyId");
    const client = s3Client(server, unknownKey);
    try {
      const failure = await sdkFailure(
        client.send(new GetObjectCommand({ Bucket: bucket, Key: "shared/ü file+1.txt" })),
      );
      expect(failure).toMatchObject({ name: "InvalidAccessKeyId", status: 403 });
    } finally {
      client.destroy();
    }
  });

  test("a signed header changed after signing → 403 SignatureDoesNotMatch", async () => {
    const signed = await signedRequest(server, objectPath(bucket, "auth/meta.txt"), {
      method: "PUT",
      body: "meta",
      headers: { "x-amz-meta-role": "reader" },
    });
    const headers = new Headers(signed.headers);
    headers.set("x-amz-meta-role", "admin");
    const response = await fetch(new Request(signed.url, { method: "PUT", headers, body: "meta" }));
    expect(response.status).toBe(403);
    expect(errorCodeOf(await response.text())).toBe("SignatureDoesNotMatch");
    expect(await exists("auth/meta.txt")).toBe(false);
  });

  test("credential scope for another region → 400 AuthorizationHeaderMalformed", async () => {
    const response = await signedFetch(server, `/${bucket}`, { region: "eu-west-3" });
    expect(response.status).toBe(400);
    expect(errorCodeOf(await response.text())).toBe("AuthorizationHeaderMalformed");
  });

  test("a malformed Authorization header is refused with a 4xx S3 error", async () => {
    const response = await fetch(`${server.endpoint}/${bucket}`, {
      headers: { authorization: "AWS4-HMAC-SHA256 Credential=garbage", "x-amz-date": "20200101T000000Z" },
    });
    expect([400, 403]).toContain(response.status);
    expect(errorCodeOf(await response.text())).not.toBe("");
  });

  test("a clock skewed by more than 15 minutes → 403 RequestTimeTooSkewed; 5 minutes is fine", async () => {
    for (const offset of [-20 * 60_000, 20 * 60_000]) {
      const response = await signedFetch(server, objectPath(bucket, "shared/ü file+1.txt"), {
        date: new Date(Date.now() + offset),
      });
      expect(response.status).toBe(403);
      expect(errorCodeOf(await response.text())).toBe("RequestTimeTooSkewed");
    }
    const put = await signedFetch(server, objectPath(bucket, "auth/skew.txt"), {
      method: "PUT",
      body: "skewed",
      date: new Date(Date.now() + 20 * 60_000),
    });
    expect(put.status).toBe(403);
    expect(await exists("auth/skew.txt")).toBe(false);
    const fine = await signedFetch(server, objectPath(bucket, "shared/ü file+1.txt"), {
      date: new Date(Date.now() - 5 * 60_000),
    });
    expect(fine.status).toBe(200);
  });

  test("Signature Version 2 is refused (header and query), nothing stored", async () => {
    const date = new Date().toUTCString();
    const header = await fetch(`${server.endpoint}${objectPath(bucket, "auth/v2.txt")}`, {
      method: "PUT",
      body: "v2",
      headers: { authorization: `AWS ${server.accessKeyId}:c2lnbmF0dXJlLW9mLXR3ZW50eQ==`, date },
    });
    expect([400, 403]).toContain(header.status);
    expect(errorCodeOf(await header.text())).not.toBe("");
    const expires = Math.floor(Date.now() / 1000) + 300;
    const query = await fetch(
      `${server.endpoint}${objectPath(bucket, "shared/ü file+1.txt")}?AWSAccessKeyId=${server.accessKeyId}&Expires=${expires}&Signature=c2lnbmF0dXJl`,
    );
    expect([400, 403]).toContain(query.status);
    expect(await query.text()).not.toContain("presigned content");
    expect(await exists("auth/v2.txt")).toBe(false);
  });

  test("anonymous requests → 403 AccessDenied, nothing stored", async () => {
    const requests: [string, string, RequestInit][] = [
      ["list buckets", "/", {}],
      ["list objects", `/${bucket}`, {}],
      ["get object", objectPath(bucket, "shared/ü file+1.txt"), {}],
      ["put object", objectPath(bucket, "auth/anon.txt"), { method: "PUT", body: "anon" }],
      ["delete object", objectPath(bucket, "shared/ü file+1.txt"), { method: "DELETE" }],
    ];
    for (const [name, path, init] of requests) {
      const response = await fetch(`${server.endpoint}${path}`, init);
      const body = await response.text();
      expect({ name, status: response.status, code: errorCodeOf(body) }).toEqual({
        name,
        status: 403,
        code: "AccessDenied",
      });
      expect(body).not.toContain("presigned content");
    }
    expect(await exists("auth/anon.txt")).toBe(false);
    expect(await exists("shared/ü file+1.txt")).toBe(true);
  });

  test("an empty Authorization header is an anonymous request: 403 AccessDenied, nothing created", async () => {
    const emptyAuth = { authorization: "" };
    const put = await rawRequest(server, {
      method: "PUT",
      target: objectPath(bucket, "auth/empty-authorization.txt"),
      headers: emptyAuth,
      body: "bar",
    });
    const created = uniqueBucket("auth-empty");
    const create = await rawRequest(server, { method: "PUT", target: `/${created}`, headers: emptyAuth });
    expect([put.status, errorCodeOf(put.body), create.status, errorCodeOf(create.body)]).toEqual([
      403,
      "AccessDenied",
      403,
      "AccessDenied",
    ]);
    expect(await exists("auth/empty-authorization.txt")).toBe(false);
    expect((await signedFetch(server, `/${created}`, { method: "HEAD" })).status).toBe(404);
  });
});
