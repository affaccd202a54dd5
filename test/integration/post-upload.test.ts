/** Browser-based uploads (POST Object): forms signed with SigV4 and SigV2 policies, boto3's generate_presigned_post, anonymous forms. */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeletePublicAccessBlockCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { userWithPolicy } from "../helpers/cli.ts";
import {
  bucketState,
  bytes,
  errorCodeOf,
  expectOk,
  md5Hex,
  newCustomerKey,
  outcome,
  py,
  s3Client,
  s3dirCli,
  uniqueBucket,
  useHost,
  xmlValue,
} from "../helpers/index.ts";
import { allowAnyone } from "../helpers/public-policy.ts";

setDefaultTimeout(120_000);

const { server, s3, bucket } = useHost({
  bucket: "post",
  args: ["--domain", "s3.localhost", "--allow-sse-c-over-http", "on"],
});

type Field = [string, string];

function amzDate(at = new Date()): string {
  return at.toISOString().replace(/[-:]|\.\d{3}/g, "");
}

function signingKey(secret: string, day: string, region: string): Buffer {
  let key: Buffer = createHmac("sha256", `AWS4${secret}`).update(day).digest();
  for (const part of [region, "s3", "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  return key;
}

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

/** The fields of a SigV4-signed form for a policy whose conditions also name the signing fields. */
function signedFields(
  conditions: unknown[],
  options: { expiration?: string; secret?: string; accessKeyId?: string } = {},
): Field[] {
  const date = amzDate();
  const credential = `${options.accessKeyId ?? server.accessKeyId}/${date.slice(0, 8)}/${server.region}/s3/aws4_request`;
  const policy = Buffer.from(
    JSON.stringify({
      expiration: options.expiration ?? inAnHour(),
      conditions: [
        ...conditions,
        { "x-amz-algorithm": "AWS4-HMAC-SHA256" },
        { "x-amz-credential": credential },
        { "x-amz-date": date },
      ],
    }),
  ).toString("base64");
  const key = signingKey(options.secret ?? server.secretAccessKey, date.slice(0, 8), server.region);
  return [
    ["x-amz-algorithm", "AWS4-HMAC-SHA256"],
    ["x-amz-credential", credential],
    ["x-amz-date", date],
    ["policy", policy],
    ["x-amz-signature", createHmac("sha256", key).update(policy).digest("hex")],
  ];
}

interface FileSpec {
  content: string | Uint8Array;
  filename?: string;
  type?: string;
}

/** POSTs a form: fields in order, then the file, then any fields after it. */
async function post(
  fields: Field[],
  file: FileSpec | null = { content: "hello" },
  options: { after?: Field[]; to?: string; virtualHosted?: true } = {},
): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of fields) form.append(name, value);
  if (file) {
    const blob = new Blob([file.content as BlobPart], { type: file.type ?? "application/octet-stream" });
    form.append("file", blob, file.filename ?? "upload.bin");
  }
  for (const [name, value] of options.after ?? []) form.append(name, value);
  const to = options.to ?? bucket;
  if (options.virtualHosted) {
    return await fetch(`${server.endpoint}/`, {
      method: "POST",
      body: form,
      redirect: "manual",
      headers: { host: `${to}.s3.localhost:${server.port}` },
    });
  }
  return await fetch(`${server.endpoint}/${to}`, { method: "POST", body: form, redirect: "manual" });
}

async function text(key: string, b = bucket): Promise<string | undefined> {
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: key }));
    return await got.Body!.transformToString();
  } catch {
    return undefined;
  }
}

async function expectError(response: Response, status: number, code: string, message?: string) {
  const body = await response.text();
  expect({ status: response.status, code: errorCodeOf(body) }).toEqual({ status, code });
  if (message !== undefined) expect(xmlValue(body, "Message")).toBe(message);
  return body;
}

/** The bucket's staging area holds no temp file. */
function expectNoTemp(b = bucket) {
  const staging = bucketState(server.root, b, "tmp");
  if (existsSync(staging)) expect(readdirSync(staging)).toEqual([]);
}

describe("SigV4 forms", () => {
  test("a signed form stores the file under its key; 204 by default with ETag and Location", async () => {
    const res = await post([["key", "plain.txt"], ...signedFields([{ bucket }, { key: "plain.txt" }])]);
    expect(res.status).toBe(204);
    expect(res.headers.get("etag")).toBe(`"${md5Hex("hello")}"`);
    expect(res.headers.get("location")).toBe(`${server.endpoint}/${bucket}/plain.txt`);
    expect(await text("plain.txt")).toBe("hello");
    const logged = server.accessLog().find((e) => e.operation === "PostObject" && e.key === "plain.txt");
    expect(logged).toMatchObject({ method: "POST", bucket, status: 204, principal: "root" });
  });
});

describe("virtual-hosted style", () => {
  test("a form posted to BUCKET.DOMAIN/ is stored in that bucket; Location names the object there", async () => {
    const res = await post(
      [
        ["key", "vhost.txt"],
        ["success_action_status", "201"],
        ...signedFields([{ bucket }, { key: "vhost.txt" }, { success_action_status: "201" }]),
      ],
      { content: "virtual" },
      { virtualHosted: true },
    );
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(`http://${bucket}.s3.localhost:${server.port}/vhost.txt`);
    expect(xmlValue(await res.text(), "Bucket")).toBe(bucket);
    expect(await text("vhost.txt")).toBe("virtual");
  });
});

describe("success_action_status and success_action_redirect", () => {
  test("201 answers the PostResponse document; 200 an empty body; another value 204", async () => {
    const created = await post([
      ["key", "s201.txt"],
      ["success_action_status", "201"],
      ...signedFields([{ key: "s201.txt" }, { success_action_status: "201" }]),
    ]);
    expect(created.status).toBe(201);
    const xml = await created.text();
    expect(xmlValue(xml, "Location")).toBe(`${server.endpoint}/${bucket}/s201.txt`);
    expect(xmlValue(xml, "Bucket")).toBe(bucket);
    expect(xmlValue(xml, "Key")).toBe("s201.txt");
    expect(xmlValue(xml, "ETag")).toBe(`"${md5Hex("hello")}"`);
    for (const [status, expected] of [
      ["200", 200],
      ["302", 204],
    ] as const) {
      const res = await post([
        ["key", `s${status}.txt`],
        ["success_action_status", status],
        ...signedFields([{ key: `s${status}.txt` }, { success_action_status: status }]),
      ]);
      expect(res.status).toBe(expected);
      expect(await res.text()).toBe("");
    }
  });

  test("a redirect goes to the URL with bucket, key and etag; a URL S3 cannot use is ignored", async () => {
    const target = "https://app.example.com/done?upload=1";
    const res = await post([
      ["key", "redirected.txt"],
      ["success_action_redirect", target],
      ...signedFields([{ key: "redirected.txt" }, { success_action_redirect: target }]),
    ]);
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location")!);
    expect(location.origin + location.pathname).toBe("https://app.example.com/done");
    expect(Object.fromEntries(location.searchParams)).toEqual({
      upload: "1",
      bucket,
      key: "redirected.txt",
      etag: `"${md5Hex("hello")}"`,
    });
    const ignored = await post([
      ["key", "not-redirected.txt"],
      ["success_action_redirect", "not a url"],
      ...signedFields([{ key: "not-redirected.txt" }, ["starts-with", "$success_action_redirect", ""]]),
    ]);
    expect(ignored.status).toBe(204);
    expect(await text("not-redirected.txt")).toBe("hello");
  });
});

describe("what is stored", () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's ${filename} variable
  test("${filename}, content fields, x-amz-meta-* and tagging round trip; fields after the file are ignored", async () => {
    const tagging =
      "<Tagging><TagSet><Tag><Key>dept</Key><Value>finance</Value></Tag><Tag><Key>year</Key><Value>2026</Value></Tag></TagSet></Tagging>";
    const res = await post(
      [
        // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's ${filename} variable
        ["key", "docs/${filename}"],
        ["Content-Type", "text/plain"],
        ["Cache-Control", "max-age=60"],
        ["Content-Disposition", "inline"],
        ["x-amz-meta-owner", "ada"],
        ["tagging", tagging],
        ...signedFields([
          ["starts-with", "$key", "docs/"],
          ["starts-with", "$Content-Type", "text/"],
          { "Cache-Control": "max-age=60" },
          ["eq", "$Content-Disposition", "inline"],
          ["starts-with", "$x-amz-meta-owner", ""],
          { tagging },
        ]),
      ],
      { content: "report body", filename: "report.txt" },
      { after: [["x-amz-meta-late", "ignored"]] },
    );
    expect(res.status).toBe(204);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "docs/report.txt" }));
    expect(head.ContentType).toBe("text/plain");
    expect(head.CacheControl).toBe("max-age=60");
    expect(head.ContentDisposition).toBe("inline");
    expect(head.Metadata).toEqual({ owner: "ada" });
    expect(await text("docs/report.txt")).toBe("report body");
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "docs/report.txt" }));
    expect(tags.TagSet).toEqual([
      { Key: "dept", Value: "finance" },
      { Key: "year", Value: "2026" },
    ]);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's ${filename} variable
  test("a key condition is met by the key that ${filename} makes, as by the field as sent", async () => {
    const res = await post(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's ${filename} variable
      [["key", "${filename}"], ...signedFields([["starts-with", "$key", "quarterly-"]])],
      { content: "q3", filename: "quarterly-q3.txt" },
    );
    expect(res.status).toBe(204);
    expect(await text("quarterly-q3.txt")).toBe("q3");
    const other = await post(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's ${filename} variable
      [["key", "${filename}"], ...signedFields([["starts-with", "$key", "quarterly-"]])],
      { content: "other", filename: "annual.txt" },
    );
    await expectError(other, 403, "AccessDenied");
    expect(await text("annual.txt")).toBeUndefined();
  });

  test("a checksum field is verified: a wrong one stores nothing", async () => {
    const wrong = await post([
      ["key", "sum.txt"],
      ["x-amz-checksum-sha256", Buffer.from(new Uint8Array(32)).toString("base64")],
      ...signedFields([{ key: "sum.txt" }, ["starts-with", "$x-amz-checksum-sha256", ""]]),
    ]);
    expect(wrong.status).toBe(400);
    expect(await text("sum.txt")).toBeUndefined();
    const right = createHash("sha256").update("hello").digest("base64");
    const ok = await post([
      ["key", "sum.txt"],
      ["x-amz-checksum-sha256", right],
      ...signedFields([{ key: "sum.txt" }, { "x-amz-checksum-sha256": right }]),
    ]);
    expect(ok.status).toBe(204);
    expect(ok.headers.get("x-amz-checksum-sha256")).toBe(right);
  });

  test("x-amz-server-side-encryption AES256 is applied and answered", async () => {
    const res = await post([
      ["key", "sse.txt"],
      ["x-amz-server-side-encryption", "AES256"],
      ...signedFields([{ key: "sse.txt" }, { "x-amz-server-side-encryption": "AES256" }]),
    ]);
    expect(res.status).toBe(204);
    expect(res.headers.get("x-amz-server-side-encryption")).toBe("AES256");
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "sse.txt" }));
    expect(head.ServerSideEncryption).toBe("AES256");
    expect(await text("sse.txt")).toBe("hello");
  });
});

describe("SSE-C fields", () => {
  test("the customer key fields encrypt the object; GET needs the same key", async () => {
    const customer = newCustomerKey();
    const fields = Object.entries(customer.headers) as Field[];
    const res = await post([
      ["key", "ssec.txt"],
      ...fields,
      ...signedFields([{ key: "ssec.txt" }, ...fields.map(([name, value]) => ({ [name]: value }))]),
    ]);
    expect(res.status).toBe(204);
    expect(res.headers.get("x-amz-server-side-encryption-customer-algorithm")).toBe("AES256");
    expect(await text("ssec.txt")).toBeUndefined();
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "ssec.txt", ...customer.params }));
    expect(await got.Body!.transformToString()).toBe("hello");
  });
});

describe("refusals store nothing", () => {
  const cases: [string, () => Field[], FileSpec, number, string, string?][] = [
    [
      "eq on the key",
      () => [["key", "r-eq.txt"], ...signedFields([{ key: "other.txt" }])],
      { content: "x" },
      403,
      "AccessDenied",
      'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "other.txt"]',
    ],
    [
      "starts-with on the key",
      () => [["key", "r-sw.txt"], ...signedFields([["starts-with", "$key", "uploads/"]])],
      { content: "x" },
      403,
      "AccessDenied",
      'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/"]',
    ],
    [
      "starts-with on Content-Type",
      () => [
        ["key", "r-ct.txt"],
        ["Content-Type", "application/pdf"],
        ...signedFields([{ key: "r-ct.txt" }, ["starts-with", "$Content-Type", "image/"]]),
      ],
      { content: "x" },
      403,
      "AccessDenied",
      'Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"]',
    ],
    [
      "the bucket",
      () => [["key", "r-b.txt"], ...signedFields([{ bucket: "another-bucket" }, { key: "r-b.txt" }])],
      { content: "x" },
      403,
      "AccessDenied",
      'Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "another-bucket"]',
    ],
    [
      "an expired policy",
      () => [
        ["key", "r-exp.txt"],
        ...signedFields([{ key: "r-exp.txt" }], { expiration: "2020-01-01T00:00:00.000Z" }),
      ],
      { content: "x" },
      403,
      "AccessDenied",
      "Invalid according to Policy: Policy expired.",
    ],
    [
      "a field the policy does not name",
      () => [["key", "r-extra.txt"], ["x-amz-meta-extra", "1"], ...signedFields([{ key: "r-extra.txt" }])],
      { content: "x" },
      403,
      "AccessDenied",
      "Invalid according to Policy: Extra input fields: x-amz-meta-extra",
    ],
    [
      "a file over content-length-range",
      () => [["key", "r-big.txt"], ...signedFields([{ key: "r-big.txt" }, ["content-length-range", 1, 10]])],
      { content: "x".repeat(11) },
      400,
      "EntityTooLarge",
      "Your proposed upload exceeds the maximum allowed size",
    ],
    [
      "a file under content-length-range",
      () => [
        ["key", "r-small.txt"],
        ...signedFields([{ key: "r-small.txt" }, ["content-length-range", 5, 10]]),
      ],
      { content: "abc" },
      400,
      "EntityTooSmall",
      "Your proposed upload is smaller than the minimum allowed size",
    ],
    [
      "a signature made with another secret",
      () => [["key", "r-sig.txt"], ...signedFields([{ key: "r-sig.txt" }], { secret: "not-the-secret" })],
      { content: "x" },
      403,
      "SignatureDoesNotMatch",
    ],
    [
      "no key field",
      () => signedFields([]),
      { content: "x" },
      400,
      "InvalidArgument",
      "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
    ],
  ];
  for (const [name, fields, file, status, code, message] of cases) {
    test(name, async () => {
      const form = fields();
      await expectError(await post(form, file), status, code, message);
      const key = form.find(([n]) => n === "key")?.[1];
      if (key) expect(await text(key)).toBeUndefined();
      expectNoTemp();
    });
  }

  test("a form without a file", async () => {
    await expectError(
      await post([["key", "r-nofile.txt"], ...signedFields([{ key: "r-nofile.txt" }])], null),
      400,
      "InvalidArgument",
      "POST requires exactly one file upload per request.",
    );
  });

  test("a POST that is not multipart/form-data", async () => {
    const res = await fetch(`${server.endpoint}/${bucket}`, {
      method: "POST",
      body: "key=a",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    await expectError(
      res,
      412,
      "PreconditionFailed",
      "Bucket POST must be of the enclosure-type multipart/form-data",
    );
  });
});

describe("SigV2 and anonymous forms", () => {
  test("a SigV2 form (AWSAccessKeyId, base64 HMAC-SHA1 of the policy) uploads; a wrong signature does not", async () => {
    const policy = Buffer.from(
      JSON.stringify({ expiration: inAnHour(), conditions: [{ bucket }, ["starts-with", "$key", "v2/"]] }),
    ).toString("base64");
    const signature = createHmac("sha1", server.secretAccessKey).update(policy).digest("base64");
    const fields = (sig: string): Field[] => [
      ["key", "v2/file.txt"],
      ["AWSAccessKeyId", server.accessKeyId],
      ["policy", policy],
      ["signature", sig],
    ];
    // Another first character, whatever the signature's own is (it changes with the expiration).
    const wrong = `${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
    await expectError(await post(fields(wrong)), 403, "SignatureDoesNotMatch");
    expect(await text("v2/file.txt")).toBeUndefined();
    expect((await post(fields(signature))).status).toBe(204);
    expect(await text("v2/file.txt")).toBe("hello");
  });

  test("an anonymous form is refused unless the bucket policy lets anyone s3:PutObject", async () => {
    const open = uniqueBucket("post-anon");
    await s3.send(new CreateBucketCommand({ Bucket: open }));
    await expectError(await post([["key", "anon.txt"]], { content: "x" }, { to: open }), 403, "AccessDenied");
    expect(await text("anon.txt", open)).toBeUndefined();
    await allowAnyone(s3, open, "s3:PutObject", `${open}/public/*`);
    await expectError(await post([["key", "anon.txt"]], { content: "x" }, { to: open }), 403, "AccessDenied");
    const ok = await post([["key", "public/anon.txt"]], { content: "x" }, { to: open });
    expect(ok.status).toBe(204);
    expect(await text("public/anon.txt", open)).toBe("x");
  });
});

describe("the acl field", () => {
  test("a canned ACL is applied as x-amz-acl would be; refused where ACLs are off; unknown → InvalidArgument", async () => {
    const open = uniqueBucket("post-acl");
    await s3.send(new CreateBucketCommand({ Bucket: open, ObjectOwnership: "ObjectWriter" }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: open }));
    const form = (key: string, acl: string, to = open): Field[] => [
      ["key", key],
      ["acl", acl],
      ...signedFields([{ bucket: to }, { key }, { acl }]),
    ];
    expect((await post(form("shared.txt", "public-read"), { content: "for all" }, { to: open })).status).toBe(
      204,
    );
    const anonymous = await fetch(`${server.endpoint}/${open}/shared.txt`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.text()).toBe("for all");
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: open, Key: "shared.txt" }));
    expect(acl.Grants?.map((g) => [g.Grantee?.URI ?? g.Grantee?.ID, g.Permission])).toContainEqual([
      "http://acs.amazonaws.com/groups/global/AllUsers",
      "READ",
    ]);
    // The default bucket (BucketOwnerEnforced): ACLs are off, as for a PUT.
    await expectError(
      await post(form("enforced.txt", "public-read", bucket)),
      400,
      "AccessControlListNotSupported",
    );
    expect(await text("enforced.txt")).toBeUndefined();
    expect((await post(form("private.txt", "private", bucket))).status).toBe(204);
    await expectError(await post(form("odd.txt", "everyone", bucket)), 400, "InvalidArgument");
    expect(await text("odd.txt")).toBeUndefined();
  });

  test("a SigV2 form asking for aws:kms → 400 InvalidArgument (KMS needs SigV4)", async () => {
    const policy = Buffer.from(
      JSON.stringify({
        expiration: inAnHour(),
        conditions: [{ bucket }, { key: "v2/kms.txt" }, { "x-amz-server-side-encryption": "aws:kms" }],
      }),
    ).toString("base64");
    const res = await post([
      ["key", "v2/kms.txt"],
      ["x-amz-server-side-encryption", "aws:kms"],
      ["AWSAccessKeyId", server.accessKeyId],
      ["policy", policy],
      ["signature", createHmac("sha1", server.secretAccessKey).update(policy).digest("base64")],
    ]);
    await expectError(
      res,
      400,
      "InvalidArgument",
      "Requests specifying Server Side Encryption with AWS KMS managed keys require AWS Signature Version 4.",
    );
    expect(await text("v2/kms.txt")).toBeUndefined();
  });
});

describe("boto3 generate_presigned_post posted with requests", () => {
  test("Fields and Conditions: an upload that meets them, one that does not", async () => {
    const result = await py(
      server,
      `
      import requests
      post = s3.generate_presigned_post(
          Bucket=${JSON.stringify(bucket)},
          Key="boto/\${filename}",
          Fields={"Content-Type": "text/plain", "x-amz-meta-kind": "note", "success_action_status": "201"},
          Conditions=[
              {"Content-Type": "text/plain"},
              {"x-amz-meta-kind": "note"},
              {"success_action_status": "201"},
              ["content-length-range", 1, 100],
          ],
          ExpiresIn=600,
      )
      ok = requests.post(post["url"], data=post["fields"], files={"file": ("note.txt", b"from boto3")})
      big = requests.post(post["url"], data=post["fields"], files={"file": ("big.txt", b"y" * 101)})
      out({"ok": [ok.status_code, ok.text], "big": [big.status_code, big.text]})
      `,
    );
    const { ok, big } = expectOk(result) as { ok: [number, string]; big: [number, string] };
    expect(ok[0]).toBe(201);
    expect(xmlValue(ok[1], "Key")).toBe("boto/note.txt");
    expect(big[0]).toBe(400);
    expect(errorCodeOf(big[1])).toBe("EntityTooLarge");
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "boto/note.txt" }));
    expect(head.ContentType).toBe("text/plain");
    expect(head.Metadata).toEqual({ kind: "note" });
    expect(await text("boto/note.txt")).toBe("from boto3");
    expect(await text("boto/big.txt")).toBeUndefined();
  });
});

describe("curl -F", () => {
  test("a form sent by curl (Expect: 100-continue with a 2 MiB file) uploads", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s3dir-post-curl-"));
    try {
      const content = bytes(2 * 1024 * 1024, 3);
      await Bun.write(join(dir, "data.bin"), content);
      const fields = [["key", "curl/data.bin"], ...signedFields([{ key: "curl/data.bin" }])] as Field[];
      const proc = Bun.spawn(
        [
          "curl",
          "-sS",
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
          ...fields.flatMap(([name, value]) => ["--form-string", `${name}=${value}`]),
          "-F",
          `file=@${join(dir, "data.bin")}`,
          `${server.endpoint}/${bucket}`,
        ],
        { stdout: "pipe", stderr: "pipe" },
      );
      const [status] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
      expect(status).toBe("204");
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "curl/data.bin" }));
      expect(head.ETag).toBe(`"${md5Hex(content)}"`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("large files", () => {
  test("a 64 MiB file streams to the store; over the range it stops with EntityTooLarge", async () => {
    const big = bytes(64 * 1024 * 1024, 7);
    const ok = await post([["key", "big.bin"], ...signedFields([{ key: "big.bin" }])], { content: big });
    expect(ok.status).toBe(204);
    expect(ok.headers.get("etag")).toBe(`"${md5Hex(big)}"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "big.bin" }));
    expect(head.ContentLength).toBe(big.length);
    const tooBig = await post(
      [["key", "big2.bin"], ...signedFields([{ key: "big2.bin" }, ["content-length-range", 0, 1024 * 1024]])],
      { content: big },
    );
    await expectError(tooBig, 400, "EntityTooLarge");
    expect(await text("big2.bin")).toBeUndefined();
    expectNoTemp();
  });
});

describe("a real browser", () => {
  /**
   * Loads `url` in headless chromium and returns the DOM it ends with (after the form's
   * navigations, within a virtual-time budget); bounded by a real-time kill.
   */
  async function dumpDom(url: string, profile: string): Promise<string> {
    const proc = Bun.spawn(
      [
        "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        `--user-data-dir=${profile}`,
        "--virtual-time-budget=10000",
        "--dump-dom",
        url,
      ],
      { stdout: "pipe", stderr: "ignore" },
    );
    const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
    try {
      const dom = await new Response(proc.stdout).text();
      await proc.exited;
      return dom;
    } finally {
      clearTimeout(timer);
    }
  }

  test.skipIf(!Bun.which("chromium"))(
    "an HTML form from another origin uploads a file and is redirected back with bucket, key and etag",
    async () => {
      const content = "hello from chromium";
      let fields: Field[] = [];
      const app = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        fetch(req) {
          const url = new URL(req.url);
          const html = (body: string) => new Response(body, { headers: { "content-type": "text/html" } });
          if (url.pathname === "/done") {
            return html(
              `<!doctype html><body><p id="result"></p><script>
                const q = new URLSearchParams(location.search);
                document.getElementById("result").textContent =
                  "uploaded " + q.get("bucket") + "/" + q.get("key") + " " + q.get("etag");
              </script></body>`,
            );
          }
          const inputs = fields
            .map(([name, value]) => `<input type="hidden" name="${name}" value="${Bun.escapeHTML(value)}">`)
            .join("");
          return html(
            `<!doctype html><body><form id="f" method="post" enctype="multipart/form-data"
              action="${server.endpoint}/${bucket}">${inputs}<input type="file" name="file"></form><script>
                const transfer = new DataTransfer();
                transfer.items.add(new File([${JSON.stringify(content)}], "from-browser.txt", { type: "text/plain" }));
                document.querySelector("input[type=file]").files = transfer.files;
                document.getElementById("f").submit();
              </script></body>`,
          );
        },
      });
      const profile = mkdtempSync(join(tmpdir(), "s3dir-post-chromium-"));
      try {
        const redirect = `http://127.0.0.1:${app.port}/done`;
        fields = [
          // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's ${filename} variable
          ["key", "browser/${filename}"],
          ["Content-Type", "text/plain"],
          ["success_action_redirect", redirect],
          ...signedFields([
            ["starts-with", "$key", "browser/"],
            { "Content-Type": "text/plain" },
            { success_action_redirect: redirect },
            ["content-length-range", 1, 1024],
          ]),
        ];
        const dom = await dumpDom(`http://127.0.0.1:${app.port}/form`, profile);
        expect(dom).toContain(`uploaded ${bucket}/browser/from-browser.txt "${md5Hex(content)}"`);
        expect(await text("browser/from-browser.txt")).toBe(content);
      } finally {
        app.stop(true);
        rmSync(profile, { recursive: true, force: true });
      }
    },
  );
});

describe("authorization as for a PUT", () => {
  test("a user's form needs s3:PutObject on its key; a session's form carries x-amz-security-token (boto3)", async () => {
    const policyDir = mkdtempSync(join(tmpdir(), "s3dir-post-policy-"));
    try {
      const user = await userWithPolicy(server.root, policyDir, "poster", [
        { Effect: "Allow", Action: "s3:PutObject", Resource: `arn:aws:s3:::${bucket}/uploads/*` },
      ]);
      const form = (key: string): Field[] => [
        ["key", key],
        ...signedFields([{ key }], { accessKeyId: user.accessKeyId, secret: user.secretAccessKey }),
      ];
      await expectError(await post(form("elsewhere/u.txt")), 403, "AccessDenied", "Access Denied");
      expect(await text("elsewhere/u.txt")).toBeUndefined();
      expect((await post(form("uploads/u.txt"))).status).toBe(204);
      expect(await text("uploads/u.txt")).toBe("hello");

      const assumed = await new STSClient({
        endpoint: server.endpoint,
        region: server.region,
        credentials: user,
      }).send(
        new AssumeRoleCommand({ RoleArn: "arn:aws:iam::000000000000:role/uploader", RoleSessionName: "web" }),
      );
      const session = {
        accessKeyId: assumed.Credentials!.AccessKeyId!,
        secretAccessKey: assumed.Credentials!.SecretAccessKey!,
        sessionToken: assumed.Credentials!.SessionToken!,
      };
      const result = await py(
        server,
        `
        import requests
        def send(key, fields=None):
            post = s3.generate_presigned_post(Bucket=${JSON.stringify(bucket)}, Key=key, ExpiresIn=600)
            data = dict(post["fields"])
            if fields: data.update(fields)
            r = requests.post(post["url"], data=data, files={"file": ("s.txt", b"session")})
            return [r.status_code, r.text, "x-amz-security-token" in post["fields"]]
        out({
            "ok": send("uploads/session.txt"),
            "denied": send("elsewhere/session.txt"),
            "badToken": send("uploads/token.txt", {"x-amz-security-token": "not-the-token"}),
        })
        `,
        { credentials: session },
      );
      const out = expectOk(result) as Record<string, [number, string, boolean]>;
      expect(out.ok!.slice(0, 1).concat(out.ok![2] ? "token" : "no token")).toEqual([204, "token"]);
      expect([out.denied![0], errorCodeOf(out.denied![1])]).toEqual([403, "AccessDenied"]);
      expect([out.badToken![0], errorCodeOf(out.badToken![1])]).toEqual([400, "InvalidToken"]);
      expect(await text("uploads/session.txt")).toBe("session");
      expect(await text("uploads/token.txt")).toBeUndefined();
    } finally {
      rmSync(policyDir, { recursive: true, force: true });
    }
  });

  test("conditions see a form's s3:authType (POST) and s3:signatureversion (AWS4-HMAC-SHA256 or AWS)", async () => {
    const policyDir = mkdtempSync(join(tmpdir(), "s3dir-post-policy-"));
    try {
      const user = await userWithPolicy(server.root, policyDir, "v4-former", [
        {
          Effect: "Allow",
          Action: "s3:PutObject",
          Resource: `arn:aws:s3:::${bucket}/forms/*`,
          Condition: { StringEquals: { "s3:authType": "POST", "s3:signatureversion": "AWS4-HMAC-SHA256" } },
        },
      ]);
      expect(
        await outcome(
          s3Client(server, user).send(
            new PutObjectCommand({ Bucket: bucket, Key: "forms/put.txt", Body: "x" }),
          ),
        ),
      ).toBe("AccessDenied");
      const v4 = await post([
        ["key", "forms/v4.txt"],
        ...signedFields([{ key: "forms/v4.txt" }], {
          accessKeyId: user.accessKeyId,
          secret: user.secretAccessKey,
        }),
      ]);
      expect(v4.status).toBe(204);
      const policy = Buffer.from(
        JSON.stringify({ expiration: inAnHour(), conditions: [{ key: "forms/v2.txt" }] }),
      ).toString("base64");
      const v2 = await post([
        ["key", "forms/v2.txt"],
        ["AWSAccessKeyId", user.accessKeyId],
        ["policy", policy],
        ["signature", createHmac("sha1", user.secretAccessKey).update(policy).digest("base64")],
      ]);
      await expectError(v2, 403, "AccessDenied", "Access Denied");
      expect(await text("forms/v2.txt")).toBeUndefined();
    } finally {
      rmSync(policyDir, { recursive: true, force: true });
    }
  });

  test("s3:RequestObjectTag sees the form's tagging document", async () => {
    const policyDir = mkdtempSync(join(tmpdir(), "s3dir-post-policy-"));
    try {
      const user = await userWithPolicy(server.root, policyDir, "tagger", [
        {
          Effect: "Allow",
          Action: "s3:PutObject",
          Resource: `arn:aws:s3:::${bucket}/tagged/*`,
          Condition: { StringEquals: { "s3:RequestObjectTag/dept": "finance" } },
        },
      ]);
      const send = (key: string, dept: string) => {
        const tagging = `<Tagging><TagSet><Tag><Key>dept</Key><Value>${dept}</Value></Tag></TagSet></Tagging>`;
        return post([
          ["key", key],
          ["tagging", tagging],
          ...signedFields([{ key }, { tagging }], {
            accessKeyId: user.accessKeyId,
            secret: user.secretAccessKey,
          }),
        ]);
      };
      await expectError(await send("tagged/ops.txt", "ops"), 403, "AccessDenied");
      expect(await text("tagged/ops.txt")).toBeUndefined();
      expect((await send("tagged/finance.txt", "finance")).status).toBe(204);
      expect(await text("tagged/finance.txt")).toBe("hello");
    } finally {
      rmSync(policyDir, { recursive: true, force: true });
    }
  });
});

describe("a bucket with a hard quota", () => {
  test("a file past the quota → 403 QuotaExceeded, nothing stored; under it, stored", async () => {
    const b = uniqueBucket("postquota");
    const made = await s3dirCli(server.root, "bucket", "create", b, "--hard-quota", "1MiB");
    expect(made.code).toBe(0);
    const form = (key: string) => [["key", key], ...signedFields([{ bucket: b }, { key }])] as Field[];
    const first = await post(form("a"), { content: bytes(600 * 1024, 1) }, { to: b });
    expect(first.status).toBe(204);
    // The form's file has no declared size: it is charged as it streams in and stops at the quota.
    const over = await post(form("b"), { content: bytes(600 * 1024, 2) }, { to: b });
    const body = await expectError(over, 403, "QuotaExceeded");
    expect(xmlValue(body, "Message")).toContain(b);
    expect(await text("b", b)).toBeUndefined();
    expectNoTemp(b);
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: "a" }));
    expect(head.ContentLength).toBe(600 * 1024);
  });
});
