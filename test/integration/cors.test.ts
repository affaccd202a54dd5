/**
 * CORS: Put/Get/DeleteBucketCors through the AWS SDK, the AWS CLI and boto3 with S3's validation
 * errors; OPTIONS preflights answered from the rules without credentials (raw requests, every
 * header checked); Access-Control-* headers on real responses, errors included.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeleteBucketCorsCommand,
  GetBucketCorsCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import {
  aws,
  bucketState,
  errorCodeOf,
  expectOk,
  md5Base64,
  outcome,
  presignUrl,
  py,
  rawRequest,
  s3Client,
  sdkFailure,
  signedFetch,
  startHost,
  uniqueBucket,
  useHost,
  userWithPolicy,
  waitFor,
  xmlValue,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

const host = useHost({ bucket: "cors" });
const { bucket } = host;

const app = "http://app.example";

const rulesXml = (rules: string) => `<CORSConfiguration>${rules}</CORSConfiguration>`;

/** PutBucketCors with a raw XML body (and its Content-MD5), for what the SDK would not send. */
const putCorsXml = (target: string, xml: string, headers: Record<string, string> = {}) =>
  signedFetch(host.server, `/${target}`, {
    method: "PUT",
    query: "cors",
    body: xml,
    headers: { "content-md5": md5Base64(xml), ...headers },
  });

async function newBucketWithRules(rules: Parameters<typeof putRules>[1]): Promise<string> {
  const name = uniqueBucket("cors");
  await host.s3.send(new CreateBucketCommand({ Bucket: name }));
  await putRules(name, rules);
  return name;
}

const putRules = (
  name: string,
  CORSRules: NonNullable<PutBucketCorsCommand["input"]["CORSConfiguration"]>["CORSRules"],
) => host.s3.send(new PutBucketCorsCommand({ Bucket: name, CORSConfiguration: { CORSRules } }));

const preflight = (target: string, headers: Record<string, string>) =>
  rawRequest(host.server, { method: "OPTIONS", target, headers });

const vary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";

describe("Put/Get/DeleteBucketCors", () => {
  test("the SDK puts rules, reads them back in order and deletes them; GET without any is 404", async () => {
    const name = uniqueBucket("cors");
    await host.s3.send(new CreateBucketCommand({ Bucket: name }));
    const missing = await sdkFailure(host.s3.send(new GetBucketCorsCommand({ Bucket: name })));
    expect(missing).toMatchObject({ name: "NoSuchCORSConfiguration", status: 404 });
    const rules = [
      {
        ID: "uploads",
        AllowedHeaders: ["*"],
        AllowedMethods: ["PUT", "POST", "DELETE"],
        AllowedOrigins: ["http://www.example.com"],
        ExposeHeaders: ["ETag", "x-amz-request-id"],
        MaxAgeSeconds: 3000,
      },
      { AllowedMethods: ["GET"], AllowedOrigins: ["*"] },
    ];
    const put = await putRules(name, rules);
    expect(put.$metadata.httpStatusCode).toBe(200);
    const got = await host.s3.send(new GetBucketCorsCommand({ Bucket: name }));
    expect(got.CORSRules).toEqual(rules);
    const deleted = await host.s3.send(new DeleteBucketCorsCommand({ Bucket: name }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect((await sdkFailure(host.s3.send(new GetBucketCorsCommand({ Bucket: name })))).name).toBe(
      "NoSuchCORSConfiguration",
    );
    // Deleting again succeeds, as on S3.
    await host.s3.send(new DeleteBucketCorsCommand({ Bucket: name }));
  });

  test("the setting is kept beside the bucket, not in it", async () => {
    const name = await newBucketWithRules([{ AllowedMethods: ["GET"], AllowedOrigins: ["*"] }]);
    expect(existsSync(bucketState(host.server.root, name, "settings", "cors"))).toBe(true);
    const objects = await signedFetch(host.server, `/${name}`, { query: "list-type=2" });
    expect(xmlValue(await objects.text(), "KeyCount")).toBe("0");
  });

  test("S3's validation: methods, wildcards, rule count, ID length, schema", async () => {
    const cases: [string, number, string, string | undefined][] = [
      [
        "<CORSRule><AllowedMethod>PATCH</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>",
        400,
        "InvalidRequest",
        "Found unsupported HTTP method in CORS config. Unsupported method is PATCH",
      ],
      [
        "<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>http://*.*.example</AllowedOrigin></CORSRule>",
        400,
        "InvalidRequest",
        'AllowedOrigin "http://*.*.example" can not have more than one wildcard.',
      ],
      [
        "<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><AllowedHeader>x-*-*</AllowedHeader></CORSRule>",
        400,
        "InvalidRequest",
        'AllowedHeader "x-*-*" can not have more than one wildcard.',
      ],
      [
        "<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>".repeat(101),
        400,
        "InvalidRequest",
        "The number of CORS rules should not exceed allowed limit of 100 rules.",
      ],
      [
        `<CORSRule><ID>${"i".repeat(256)}</ID><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>`,
        400,
        "InvalidArgument",
        undefined,
      ],
      ["<CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule>", 400, "MalformedXML", undefined],
      ["<CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule>", 400, "MalformedXML", undefined],
      ["", 400, "MalformedXML", undefined],
      [
        "<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><MaxAgeSeconds>-1</MaxAgeSeconds></CORSRule>",
        400,
        "MalformedXML",
        undefined,
      ],
    ];
    for (const [rules, status, code, message] of cases) {
      const res = await putCorsXml(bucket, rulesXml(rules));
      const body = await res.text();
      expect({ rules: rules.slice(0, 60), status: res.status, code: errorCodeOf(body) }).toEqual({
        rules: rules.slice(0, 60),
        status,
        code,
      });
      if (message) expect(xmlValue(body, "Message")).toBe(message);
    }
    // 100 rules are fine; a body over 64 KB is not.
    const hundred = "<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>";
    expect((await putCorsXml(bucket, rulesXml(hundred.repeat(100)))).status).toBe(200);
    const big = rulesXml(
      `<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>http://${"o".repeat(70_000)}</AllowedOrigin></CORSRule>`,
    );
    const tooBig = await putCorsXml(bucket, big);
    expect(tooBig.status).toBe(400);
    await host.s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }));
  });

  test("Content-MD5 (or a checksum) is required, and checked", async () => {
    const xml = rulesXml(
      "<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>",
    );
    const none = await signedFetch(host.server, `/${bucket}`, { method: "PUT", query: "cors", body: xml });
    const body = await none.text();
    expect(none.status).toBe(400);
    expect(errorCodeOf(body)).toBe("InvalidRequest");
    expect(xmlValue(body, "Message")).toBe("Missing required header for this request: Content-MD5");
    const wrong = await putCorsXml(bucket, xml, { "content-md5": md5Base64("other") });
    expect(wrong.status).toBe(400);
    expect(errorCodeOf(await wrong.text())).toBe("BadDigest");
  });

  test("authorized as s3:GetBucketCORS and s3:PutBucketCORS (DeleteBucketCors too)", async () => {
    const name = await newBucketWithRules([{ AllowedMethods: ["GET"], AllowedOrigins: ["*"] }]);
    const dir = mkdtempSync(join(tmpdir(), "cors-policy-"));
    try {
      const reader = s3Client(
        host.server,
        await userWithPolicy(host.server.root, dir, "cors-reader", [
          { Effect: "Allow", Action: "s3:GetBucketCORS", Resource: `arn:aws:s3:::${name}` },
        ]),
      );
      expect(await outcome(reader.send(new GetBucketCorsCommand({ Bucket: name })))).toBe("allowed");
      expect(await outcome(reader.send(new DeleteBucketCorsCommand({ Bucket: name })))).toBe("AccessDenied");
      const writer = s3Client(
        host.server,
        await userWithPolicy(host.server.root, dir, "cors-writer", [
          { Effect: "Allow", Action: "s3:PutBucketCORS", Resource: `arn:aws:s3:::${name}` },
        ]),
      );
      expect(await outcome(writer.send(new GetBucketCorsCommand({ Bucket: name })))).toBe("AccessDenied");
      expect(
        await outcome(
          writer.send(
            new PutBucketCorsCommand({
              Bucket: name,
              CORSConfiguration: { CORSRules: [{ AllowedMethods: ["PUT"], AllowedOrigins: [app] }] },
            }),
          ),
        ),
      ).toBe("allowed");
      expect(await outcome(writer.send(new DeleteBucketCorsCommand({ Bucket: name })))).toBe("allowed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("anonymous callers may not read or change the rules", async () => {
    const url = `${host.server.endpoint}/${bucket}?cors`;
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(errorCodeOf(await res.text())).toBe("AccessDenied");
  });
});

describe("OPTIONS preflight", () => {
  test("a matching rule answers 200 with every Access-Control header, without credentials", async () => {
    const name = await newBucketWithRules([
      { AllowedMethods: ["GET"], AllowedOrigins: ["http://other.example"] },
      {
        AllowedMethods: ["PUT", "POST"],
        AllowedOrigins: ["http://*.example"],
        AllowedHeaders: ["Content-Type", "x-amz-*"],
        ExposeHeaders: ["ETag", "x-amz-version-id"],
        MaxAgeSeconds: 600,
      },
    ]);
    const res = await preflight(`/${name}/some/key.txt`, {
      origin: app,
      "access-control-request-method": "PUT",
      "access-control-request-headers": "content-type, X-Amz-Meta-Color",
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe("");
    expect(res.headers.get("access-control-allow-origin")).toBe(app);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("access-control-allow-methods")).toBe("PUT, POST");
    expect(res.headers.get("access-control-allow-headers")).toBe("content-type, x-amz-meta-color");
    expect(res.headers.get("access-control-expose-headers")).toBe("ETag, x-amz-version-id");
    expect(res.headers.get("access-control-max-age")).toBe("600");
    expect(res.headers.get("vary")).toBe(vary);
    expect(res.headers.get("x-amz-request-id")).toBeTruthy();

    // The bucket's own path, and a presigned URL's query, are answered the same way.
    const onBucket = await preflight(`/${name}?uploads`, {
      origin: app,
      "access-control-request-method": "POST",
    });
    expect(onBucket.status).toBe(200);
    expect(onBucket.headers.get("access-control-allow-headers")).toBeNull();
    const presigned = new URL(await presignUrl(host.server, `/${name}/k`, { method: "PUT" }));
    const onPresigned = await preflight(`${presigned.pathname}${presigned.search}`, {
      origin: app,
      "access-control-request-method": "PUT",
    });
    expect(onPresigned.status).toBe(200);
  });

  test("a rule with AllowedOrigin * answers * and no Allow-Credentials; the first matching rule wins", async () => {
    const name = await newBucketWithRules([
      { AllowedMethods: ["GET", "HEAD"], AllowedOrigins: ["*"], AllowedHeaders: ["*"] },
      { AllowedMethods: ["GET"], AllowedOrigins: [app], MaxAgeSeconds: 5 },
    ]);
    const res = await preflight(`/${name}/k`, {
      origin: app,
      "access-control-request-method": "GET",
      "access-control-request-headers": "range,authorization",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    expect(res.headers.get("access-control-allow-methods")).toBe("GET, HEAD");
    expect(res.headers.get("access-control-allow-headers")).toBe("range, authorization");
    expect(res.headers.get("access-control-max-age")).toBeNull();
    expect(res.headers.get("access-control-expose-headers")).toBeNull();
  });

  test("no matching rule: 403 AccessForbidden with S3's body", async () => {
    const name = await newBucketWithRules([
      { AllowedMethods: ["GET"], AllowedOrigins: [app], AllowedHeaders: ["range"] },
    ]);
    const refusals: Record<string, string>[] = [
      { origin: "http://evil.example", "access-control-request-method": "GET" },
      { origin: app, "access-control-request-method": "PUT" },
      { origin: app, "access-control-request-method": "GET", "access-control-request-headers": "x-custom" },
    ];
    for (const headers of refusals) {
      const res = await preflight(`/${name}/k`, headers);
      expect(res.status).toBe(403);
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
      expect(errorCodeOf(res.body)).toBe("AccessForbidden");
      expect(xmlValue(res.body, "Message")).toBe(
        "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not whitelisted by the resource's CORS spec.",
      );
      expect(xmlValue(res.body, "Method")).toBe(headers["access-control-request-method"]);
      expect(xmlValue(res.body, "ResourceType")).toBe("OBJECT");
    }
    const onBucket = await preflight(`/${name}`, {
      origin: "http://evil.example",
      "access-control-request-method": "GET",
    });
    expect(xmlValue(onBucket.body, "ResourceType")).toBe("BUCKET");
  });

  test("a bucket without CORS, or none at all: 403 CORS is not enabled", async () => {
    for (const target of [`/${bucket}/k`, "/no-such-bucket-cors/k"]) {
      const res = await preflight(target, { origin: app, "access-control-request-method": "GET" });
      expect(res.status).toBe(403);
      expect(errorCodeOf(res.body)).toBe("AccessForbidden");
      expect(xmlValue(res.body, "Message")).toBe("CORSResponse: CORS is not enabled for this bucket.");
    }
  });

  test("Origin and Access-Control-Request-Method are required: 400 BadRequest", async () => {
    const noOrigin = await preflight(`/${bucket}/k`, { "access-control-request-method": "GET" });
    expect(noOrigin.status).toBe(400);
    expect(errorCodeOf(noOrigin.body)).toBe("BadRequest");
    expect(xmlValue(noOrigin.body, "Message")).toBe(
      "Insufficient information. Origin request header needed.",
    );
    const noMethod = await preflight(`/${bucket}/k`, { origin: app });
    expect(noMethod.status).toBe(400);
    expect(xmlValue(noMethod.body, "Message")).toBe("Invalid Access-Control-Request-Method: null");
    const badMethod = await preflight(`/${bucket}/k`, {
      origin: app,
      "access-control-request-method": "PATCH",
    });
    expect(xmlValue(badMethod.body, "Message")).toBe("Invalid Access-Control-Request-Method: PATCH");
  });

  test("a change of the rules applies at once on the host that took it", async () => {
    const name = await newBucketWithRules([{ AllowedMethods: ["GET"], AllowedOrigins: [app] }]);
    const ask = () => preflight(`/${name}/k`, { origin: app, "access-control-request-method": "GET" });
    expect((await ask()).status).toBe(200);
    await host.s3.send(new DeleteBucketCorsCommand({ Bucket: name }));
    expect((await ask()).status).toBe(403);
    await putRules(name, [{ AllowedMethods: ["GET"], AllowedOrigins: [app] }]);
    expect((await ask()).status).toBe(200);
  });

  test("a change made through another host applies here within about a second", async () => {
    const name = await newBucketWithRules([{ AllowedMethods: ["GET"], AllowedOrigins: [app] }]);
    const other = await startHost({ root: host.server.root });
    try {
      const ask = () =>
        rawRequest(other, {
          method: "OPTIONS",
          target: `/${name}/k`,
          headers: { origin: app, "access-control-request-method": "PUT" },
        });
      expect((await ask()).status).toBe(403);
      await putRules(name, [{ AllowedMethods: ["PUT"], AllowedOrigins: [app] }]);
      expect(await waitFor(async () => (await ask()).status === 200, 5000)).toBe(true);
    } finally {
      await other.stop();
    }
  });
});

describe("real requests with an Origin", () => {
  test("success and error responses carry the matching rule's headers; others and no Origin carry none", async () => {
    const name = await newBucketWithRules([
      { AllowedMethods: ["GET", "PUT"], AllowedOrigins: [app], ExposeHeaders: ["ETag"], MaxAgeSeconds: 60 },
    ]);
    await host.s3.send(new PutObjectCommand({ Bucket: name, Key: "k", Body: "hello" }));
    const get = await signedFetch(host.server, `/${name}/k`, { headers: { origin: app } });
    expect(get.status).toBe(200);
    expect(await get.text()).toBe("hello");
    expect(get.headers.get("access-control-allow-origin")).toBe(app);
    expect(get.headers.get("access-control-allow-credentials")).toBe("true");
    expect(get.headers.get("access-control-expose-headers")).toBe("ETag");
    expect(get.headers.get("access-control-allow-methods")).toBe("GET, PUT");
    expect(get.headers.get("access-control-max-age")).toBe("60");
    expect(get.headers.get("vary")).toBe(vary);

    const put = await signedFetch(host.server, `/${name}/k2`, {
      method: "PUT",
      body: "x",
      headers: { origin: app },
    });
    expect(put.status).toBe(200);
    expect(put.headers.get("access-control-allow-origin")).toBe(app);

    const missing = await signedFetch(host.server, `/${name}/nope`, { headers: { origin: app } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe(app);
    const anonymous = await fetch(`${host.server.endpoint}/${name}/k`, { headers: { origin: app } });
    expect(anonymous.status).toBe(403);
    expect(anonymous.headers.get("access-control-allow-origin")).toBe(app);

    // DELETE is not allowed by the rule; another origin matches nothing; no Origin, no headers.
    const del = await signedFetch(host.server, `/${name}/k2`, { method: "DELETE", headers: { origin: app } });
    expect(del.status).toBe(204);
    expect(del.headers.get("access-control-allow-origin")).toBeNull();
    const other = await signedFetch(host.server, `/${name}/k`, {
      headers: { origin: "http://evil.example" },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const plain = await signedFetch(host.server, `/${name}/k`);
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
    expect(plain.headers.get("vary")).toBeNull();
  });
});

describe("other clients", () => {
  test("AWS CLI put-bucket-cors with file://, get-bucket-cors, delete-bucket-cors", async () => {
    const name = uniqueBucket("cors");
    await host.s3.send(new CreateBucketCommand({ Bucket: name }));
    const dir = mkdtempSync(join(tmpdir(), "cors-cli-"));
    const file = join(dir, "cors.json");
    const config = {
      CORSRules: [
        { AllowedOrigins: [app], AllowedMethods: ["GET", "PUT"], AllowedHeaders: ["*"], MaxAgeSeconds: 10 },
      ],
    };
    writeFileSync(file, JSON.stringify(config));
    expectOk(
      await aws(host.server, [
        "s3api",
        "put-bucket-cors",
        "--bucket",
        name,
        "--cors-configuration",
        `file://${file}`,
      ]),
    );
    const got = expectOk(await aws(host.server, ["s3api", "get-bucket-cors", "--bucket", name]));
    expect(got).toEqual(config);
    expectOk(await aws(host.server, ["s3api", "delete-bucket-cors", "--bucket", name]));
    const gone = await aws(host.server, ["s3api", "get-bucket-cors", "--bucket", name]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain("NoSuchCORSConfiguration");
    rmSync(dir, { recursive: true, force: true });
  });

  test("boto3 put_bucket_cors and get_bucket_cors", async () => {
    const name = uniqueBucket("cors");
    await host.s3.send(new CreateBucketCommand({ Bucket: name }));
    const got = expectOk(
      await py(
        host.server,
        `
        s3.put_bucket_cors(Bucket="${name}", CORSConfiguration={"CORSRules": [
            {"ID": "r1", "AllowedOrigins": ["${app}"], "AllowedMethods": ["GET"], "ExposeHeaders": ["ETag"]}]})
        out(s3.get_bucket_cors(Bucket="${name}")["CORSRules"])
        `,
      ),
    );
    expect(got).toEqual([
      { ID: "r1", AllowedOrigins: [app], AllowedMethods: ["GET"], ExposeHeaders: ["ETag"] },
    ]);
  });
});
