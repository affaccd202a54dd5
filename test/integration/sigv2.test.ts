/**
 * Signature Version 2 with the clients that still send it: boto3 with `signature_version='s3'`
 * (calls and presigned links), s3cmd (--signature-v2 and `signurl`), and hand-built requests.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutBucketPolicyCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { hmacSha1Base64 } from "../../src/lib/hmac-sha1.ts";
import { s3dirCli } from "../helpers/cli.ts";
import { type Credentials, errorCodeOf, expectOk, objectPath, py, xmlValue } from "../helpers/clients.ts";
import { startHost } from "../helpers/host.ts";
import type { TestServer } from "../helpers/server.ts";
import { useHost } from "../helpers/use-host.ts";

setDefaultTimeout(60_000);

const domain = "s3.localhost";
const { server, s3, bucket } = useHost({ bucket: "sigv2", args: ["--domain", domain] });

/** A V2 Authorization header for a path-style request (no sub-resources), signed now. */
async function v2Fetch(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; secret?: string } = {},
): Promise<Response> {
  const method = init.method ?? "GET";
  const headers = new Headers(init.headers);
  if (!headers.has("date") && !headers.has("x-amz-date")) headers.set("date", new Date().toUTCString());
  const amz = [...headers]
    .filter(([n]) => n.startsWith("x-amz-"))
    .map(([n, v]) => `${n}:${v}\n`)
    .sort()
    .join("");
  const date = headers.has("x-amz-date") ? "" : (headers.get("date") ?? "");
  const toSign = `${method}\n${headers.get("content-md5") ?? ""}\n${headers.get("content-type") ?? ""}\n${date}\n${amz}${path.split("?")[0]}`;
  const signature = await hmacSha1Base64(init.secret ?? server.secretAccessKey, toSign);
  headers.set("authorization", `AWS ${server.accessKeyId}:${signature}`);
  return await fetch(`${server.endpoint}${path}`, { method, headers, body: init.body });
}

const v2Client =
  's3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], region_name=os.environ["AWS_DEFAULT_REGION"], ' +
  'config=Config(signature_version="s3", s3={"addressing_style": "path"}))';

/** Runs a boto3 snippet whose `s3` signs with SigV2. */
function pyV2(script: string, credentials?: Credentials) {
  const lines = script.replace(/^\n/, "").split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  const body = lines.map((l) => l.slice(indent)).join("\n");
  return py(server, `${v2Client}\n${body}`, { credentials });
}

describe("boto3 with signature_version='s3'", () => {
  test("put, head, get, list, copy, tagging, multipart and delete are signed with V2 and work", async () => {
    const result = await pyV2(`
      events = []
      s3.meta.events.register("before-send.s3", lambda request, **kw: events.append(request.headers.get("Authorization", b"")))
      s3.put_object(Bucket="${bucket}", Key="boto/é x+y.txt", Body=b"hello v2", ContentType="text/plain",
                    Metadata={"colour": "blue"})
      head = s3.head_object(Bucket="${bucket}", Key="boto/é x+y.txt")
      body = s3.get_object(Bucket="${bucket}", Key="boto/é x+y.txt", ResponseContentType="text/x-v2")
      listed = s3.list_objects(Bucket="${bucket}", Prefix="boto/")
      s3.copy_object(Bucket="${bucket}", Key="boto/copy.txt", CopySource={"Bucket": "${bucket}", "Key": "boto/é x+y.txt"})
      s3.put_object_tagging(Bucket="${bucket}", Key="boto/copy.txt", Tagging={"TagSet": [{"Key": "t", "Value": "1"}]})
      tags = s3.get_object_tagging(Bucket="${bucket}", Key="boto/copy.txt")
      up = s3.create_multipart_upload(Bucket="${bucket}", Key="boto/mp.bin")
      part = s3.upload_part(Bucket="${bucket}", Key="boto/mp.bin", UploadId=up["UploadId"], PartNumber=1, Body=b"p" * 10)
      s3.complete_multipart_upload(Bucket="${bucket}", Key="boto/mp.bin", UploadId=up["UploadId"],
                                   MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
      s3.delete_objects(Bucket="${bucket}", Delete={"Objects": [{"Key": "boto/copy.txt"}]})
      out({
        "schemes": sorted({a.decode().split(" ")[0] if isinstance(a, bytes) else a.split(" ")[0] for a in events}),
        "meta": head["Metadata"],
        "body": body["Body"].read().decode(),
        "type": body["ContentType"],
        "keys": [o["Key"] for o in listed.get("Contents", [])],
        "tags": tags["TagSet"],
        "mp": s3.get_object(Bucket="${bucket}", Key="boto/mp.bin")["Body"].read().decode(),
      })
    `);
    expect(expectOk(result)).toEqual({
      schemes: ["AWS"],
      meta: { colour: "blue" },
      body: "hello v2",
      type: "text/x-v2",
      keys: ["boto/é x+y.txt"],
      tags: [{ Key: "t", Value: "1" }],
      mp: "pppppppppp",
    });
  });

  test("a wrong secret fails with SignatureDoesNotMatch", async () => {
    const result = await pyV2(
      `
      try:
          s3.get_object(Bucket="${bucket}", Key="boto/é x+y.txt")
          out("ok")
      except botocore.exceptions.ClientError as e:
          out(e.response["Error"]["Code"])
      `,
      { accessKeyId: server.accessKeyId, secretAccessKey: "not-the-secret" },
    );
    expect(expectOk(result)).toBe("SignatureDoesNotMatch");
  });

  test("presigned V2 links: GET with a response override, PUT, and expiry", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "links/a b.txt", Body: "linked" }));
    const result = await pyV2(`
      out({
        "get": s3.generate_presigned_url("get_object", Params={"Bucket": "${bucket}", "Key": "links/a b.txt",
                                          "ResponseContentDisposition": "attachment; filename=x.txt"}, ExpiresIn=300),
        "put": s3.generate_presigned_url("put_object", Params={"Bucket": "${bucket}", "Key": "links/up.txt"}, ExpiresIn=300),
        "gone": s3.generate_presigned_url("get_object", Params={"Bucket": "${bucket}", "Key": "links/a b.txt"}, ExpiresIn=-10),
      })
    `);
    const links = expectOk(result) as { get: string; put: string; gone: string };
    expect(links.get).toContain("AWSAccessKeyId=");
    expect(links.get).not.toContain("X-Amz-");
    const get = await fetch(links.get);
    expect(get.status).toBe(200);
    expect(get.headers.get("content-disposition")).toBe("attachment; filename=x.txt");
    expect(await get.text()).toBe("linked");

    const put = await fetch(links.put, { method: "PUT", body: "uploaded by link" });
    expect(put.status).toBe(200);
    const back = await v2Fetch(objectPath(bucket, "links/up.txt"));
    expect(await back.text()).toBe("uploaded by link");

    const gone = await fetch(links.gone);
    const body = await gone.text();
    expect(gone.status).toBe(403);
    expect(errorCodeOf(body)).toBe("AccessDenied");
    expect(xmlValue(body, "Message")).toBe("Request has expired");

    // The link signs its path: another key with the same signature fails.
    const other = await fetch(links.get.replace("a%20b.txt", "up.txt"));
    expect(other.status).toBe(403);
    expect(errorCodeOf(await other.text())).toBe("SignatureDoesNotMatch");
  });

  test("temporary credentials: x-amz-security-token is signed with the request", async () => {
    await s3dirCli(server.root, "user", "add", "v2user", "--role", "s3");
    await s3dirCli(server.root, "policy", "attach", "readwrite", "v2user");
    const key = JSON.parse(
      (await s3dirCli(server.root, "key", "create", "v2user", "--json")).stdout,
    ) as Credentials;
    const sts = new STSClient({ endpoint: server.endpoint, region: server.region, credentials: key });
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: "arn:aws:iam::000000000000:role/v2", RoleSessionName: "v2" }),
    );
    const session: Credentials = {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    };
    const result = await pyV2(
      `
      s3.put_object(Bucket="${bucket}", Key="session/v2.txt", Body=b"from a session")
      link = s3.generate_presigned_url("get_object", Params={"Bucket": "${bucket}", "Key": "session/v2.txt"}, ExpiresIn=300)
      out({"body": s3.get_object(Bucket="${bucket}", Key="session/v2.txt")["Body"].read().decode(), "link": link})
      `,
      session,
    );
    const { body, link } = expectOk(result) as { body: string; link: string };
    expect(body).toBe("from a session");
    expect(link).toContain("x-amz-security-token=");
    expect(await (await fetch(link)).text()).toBe("from a session");
    const withoutToken = await fetch(link.replace(/&x-amz-security-token=[^&]*/, ""));
    expect(withoutToken.status).toBe(403);
  });
});

describe("s3cmd", () => {
  function s3cmdConfig(): { dir: string; file: string } {
    const dir = mkdtempSync(join(tmpdir(), "s3cmd-"));
    const file = join(dir, "s3cfg");
    writeFileSync(
      file,
      [
        "[default]",
        `access_key = ${server.accessKeyId}`,
        `secret_key = ${server.secretAccessKey}`,
        `host_base = 127.0.0.1:${server.port}`,
        `host_bucket = 127.0.0.1:${server.port}`,
        "use_https = False",
        "signature_v2 = True",
        `bucket_location = ${server.region}`,
        "",
      ].join("\n"),
    );
    return { dir, file };
  }

  async function s3cmd(config: string, ...args: string[]) {
    const proc = Bun.spawn(["s3cmd", "-c", config, ...args], { stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { stdout, stderr, code };
  }

  test("put, ls, get and signurl with V2 signatures", async () => {
    const { dir, file } = s3cmdConfig();
    try {
      const local = join(dir, "up.txt");
      writeFileSync(local, "via s3cmd");
      const put = await s3cmd(file, "put", local, `s3://${bucket}/s3cmd/up.txt`);
      expect(put.stderr).toBe("");
      expect(put.code).toBe(0);
      const ls = await s3cmd(file, "ls", `s3://${bucket}/s3cmd/`);
      expect(ls.stdout).toContain(`s3://${bucket}/s3cmd/up.txt`);
      const got = join(dir, "got.txt");
      expect((await s3cmd(file, "get", `s3://${bucket}/s3cmd/up.txt`, got)).code).toBe(0);
      expect(readFileSync(got, "utf8")).toBe("via s3cmd");
      const signed = await s3cmd(file, "signurl", `s3://${bucket}/s3cmd/up.txt`, "+300");
      expect(signed.code).toBe(0);
      const url = signed.stdout.trim();
      expect(url).toContain("Signature=");
      expect(await (await fetch(url)).text()).toBe("via s3cmd");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("hand-built V2 requests", () => {
  test("a missing Date → 403 AccessDenied; a skewed one → RequestTimeTooSkewed", async () => {
    const path = objectPath(bucket, "links/a b.txt");
    const noDate = await fetch(`${server.endpoint}${path}`, {
      headers: { authorization: `AWS ${server.accessKeyId}:c2lnbmF0dXJl` },
    });
    expect(noDate.status).toBe(403);
    expect(errorCodeOf(await noDate.text())).toBe("AccessDenied");
    const skewed = await v2Fetch(path, {
      headers: { date: new Date(Date.now() - 20 * 60_000).toUTCString() },
    });
    expect(skewed.status).toBe(403);
    expect(errorCodeOf(await skewed.text())).toBe("RequestTimeTooSkewed");
  });

  test("a Date before 1970 is no valid date: 403 AccessDenied, nothing stored", async () => {
    const path = objectPath(bucket, "hand/before-epoch.txt");
    const put = await v2Fetch(path, {
      method: "PUT",
      body: "old",
      headers: { "x-amz-date": "Tue, 07 Jul 1950 21:53:04 GMT" },
    });
    expect([put.status, errorCodeOf(await put.text())]).toEqual([403, "AccessDenied"]);
    expect((await v2Fetch(path, { method: "HEAD" })).status).toBe(404);
  });

  test("a wrong signature → SignatureDoesNotMatch with StringToSign and StringToSignBytes", async () => {
    const response = await v2Fetch(objectPath(bucket, "links/a b.txt"), { secret: "wrong" });
    const body = await response.text();
    expect(response.status).toBe(403);
    expect(errorCodeOf(body)).toBe("SignatureDoesNotMatch");
    expect(xmlValue(body, "StringToSign")).toEndWith(`\n/${bucket}/links/a%20b.txt`);
    expect(xmlValue(body, "StringToSignBytes")).toStartWith("47 45 54 0a");
  });

  test("x-amz-date stands in for Date and x-amz-meta-* headers are signed", async () => {
    const path = objectPath(bucket, "hand/meta.txt");
    const put = await v2Fetch(path, {
      method: "PUT",
      body: "hand made",
      headers: {
        "x-amz-date": new Date().toUTCString(),
        "x-amz-meta-who": "v2",
        "content-type": "text/plain",
      },
    });
    expect(put.status).toBe(200);
    const head = await v2Fetch(path, { method: "HEAD" });
    expect(head.headers.get("x-amz-meta-who")).toBe("v2");
    // The access log names V2 requests, so that an operator finds the clients before --sigv2 off.
    const logged = server.accessLog().filter((l) => l.key === "hand/meta.txt");
    expect(logged.map((l) => [l.method, l.signatureVersion])).toEqual([
      ["PUT", "AWS"],
      ["HEAD", "AWS"],
    ]);
  });

  test("virtual-hosted style: the bucket from the Host is signed in the resource, with sub-resources", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "vhost/k.txt", Body: "virtual" }));
    const date = new Date().toUTCString();
    const sign = (toSign: string) => hmacSha1Base64(server.secretAccessKey, toSign);
    const host = `${bucket}.${domain}:${server.port}`;
    const get = await fetch(`${server.endpoint}/vhost/k.txt`, {
      headers: {
        host,
        date,
        authorization: `AWS ${server.accessKeyId}:${await sign(`GET\n\n\n${date}\n/${bucket}/vhost/k.txt`)}`,
      },
    });
    expect(await get.text()).toBe("virtual");
    const tagging = await fetch(`${server.endpoint}/vhost/k.txt?tagging`, {
      headers: {
        host,
        date,
        authorization: `AWS ${server.accessKeyId}:${await sign(`GET\n\n\n${date}\n/${bucket}/vhost/k.txt?tagging`)}`,
      },
    });
    expect(tagging.status).toBe(200);
    expect(await tagging.text()).toContain("<TagSet");
    const unsignedSubresource = await fetch(`${server.endpoint}/vhost/k.txt?tagging`, {
      headers: {
        host,
        date,
        authorization: `AWS ${server.accessKeyId}:${await sign(`GET\n\n\n${date}\n/${bucket}/vhost/k.txt`)}`,
      },
    });
    expect(errorCodeOf(await unsignedSubresource.text())).toBe("SignatureDoesNotMatch");
  });

  test("bucket policies see s3:signatureversion AWS for V2 and AWS4-HMAC-SHA256 for V4", async () => {
    const policy = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: `arn:aws:s3:::${bucket}/v4only/*`,
          Condition: { StringEquals: { "s3:signatureversion": "AWS" } },
        },
      ],
    };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "v4only/x.txt", Body: "x" }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    try {
      const v2 = await v2Fetch(objectPath(bucket, "v4only/x.txt"));
      expect(v2.status).toBe(403);
      expect(errorCodeOf(await v2.text())).toBe("AccessDenied");
      expect(await (await v2Fetch(objectPath(bucket, "links/a b.txt"))).text()).toBe("linked");
      const v4 = await s3.send(
        new (await import("@aws-sdk/client-s3")).GetObjectCommand({ Bucket: bucket, Key: "v4only/x.txt" }),
      );
      expect(await v4.Body!.transformToString()).toBe("x");
    } finally {
      await s3.send(new (await import("@aws-sdk/client-s3")).DeleteBucketPolicyCommand({ Bucket: bucket }));
    }
  });
});

describe("SSE-KMS over V2", () => {
  test("a V2 write asking for aws:kms → 400 InvalidArgument; AES256 still works", async () => {
    const kms = await v2Fetch(`/${bucket}/v2-kms.txt`, {
      method: "PUT",
      headers: { "x-amz-server-side-encryption": "aws:kms" },
      body: "secret",
    });
    const body = await kms.text();
    expect(kms.status).toBe(400);
    expect(errorCodeOf(body)).toBe("InvalidArgument");
    expect(xmlValue(body, "Message")).toBe(
      "Requests specifying Server Side Encryption with AWS KMS managed keys require AWS Signature Version 4.",
    );
    expect(xmlValue(body, "ArgumentName")).toBe("Authorization");
    const head = await fetch(`${server.endpoint}/${bucket}/v2-kms.txt`, { method: "HEAD" });
    expect(head.status).not.toBe(200);
    const aes = await v2Fetch(`/${bucket}/v2-aes.txt`, {
      method: "PUT",
      headers: { "x-amz-server-side-encryption": "AES256" },
      body: "plain",
    });
    expect(aes.status).toBe(200);
    expect(aes.headers.get("x-amz-server-side-encryption")).toBe("AES256");
  });
});

describe("SSE-KMS objects read over V2", () => {
  test("GET and HEAD of an object under KMS → 400 InvalidArgument; SigV4 reads it", async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "kms-read.txt",
        Body: "kms",
        ServerSideEncryption: "aws:kms",
      }),
    );
    const get = await v2Fetch(`/${bucket}/kms-read.txt`);
    const body = await get.text();
    expect(get.status).toBe(400);
    expect(errorCodeOf(body)).toBe("InvalidArgument");
    expect(xmlValue(body, "Message")).toBe(
      "Requests specifying Server Side Encryption with AWS KMS managed keys require AWS Signature Version 4.",
    );
    expect((await v2Fetch(`/${bucket}/kms-read.txt`, { method: "HEAD" })).status).toBe(400);
    const v4 = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "kms-read.txt" }));
    expect(await v4.Body!.transformToString()).toBe("kms");
  });
});

describe("--sigv2 off", () => {
  let off: TestServer | undefined;
  test("V2 headers and links get InvalidRequest: the mechanism is not supported", async () => {
    off = await startHost({ args: ["--sigv2", "off"] });
    try {
      const expires = Math.floor(Date.now() / 1000) + 300;
      const link = await fetch(
        `${off.endpoint}/b/k?AWSAccessKeyId=${off.accessKeyId}&Expires=${expires}&Signature=abc%3D`,
      );
      const body = await link.text();
      expect(link.status).toBe(400);
      expect(errorCodeOf(body)).toBe("InvalidRequest");
      expect(xmlValue(body, "Message")).toBe(
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
      );
      const header = await fetch(`${off.endpoint}/b/k`, {
        headers: { authorization: `AWS ${off.accessKeyId}:abc=`, date: new Date().toUTCString() },
      });
      expect(header.status).toBe(400);
      expect(errorCodeOf(await header.text())).toBe("InvalidRequest");
    } finally {
      await off.stop();
    }
  });
});
