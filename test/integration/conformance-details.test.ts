/**
 * Small places where S3 clients depend on AWS's exact answer: Completing an upload again, part
 * lists, GetObjectAttributes paging, ListObjects v1 URL encoding, chunked PUTs without a length,
 * non-ASCII metadata, Expect: 100-continue refusals, presigned expiry bounds and odd keys.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { connect } from "node:net";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { errorCodeOf, presignUrl, sdkFailure, signedFetch, xmlValue, xmlValues } from "../helpers/clients.ts";
import { allowAnyone } from "../helpers/public-policy.ts";
import { rawRequest } from "../helpers/raw-http.ts";
import { useHost } from "../helpers/use-host.ts";
import { bytes } from "../helpers/util.ts";

setDefaultTimeout(60_000);

const { server, s3, bucket } = useHost({ bucket: "conf" });
const MiB = 1024 * 1024;

async function twoPartUpload(key: string, checksum = false) {
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      ...(checksum ? { ChecksumAlgorithm: "CRC32" as const } : {}),
    }),
  );
  const parts = [];
  const bodies = [bytes(5 * MiB, 1), bytes(5 * MiB, 2), bytes(1000, 3)];
  for (const [i, body] of bodies.entries()) {
    const out = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: i + 1,
        Body: body,
        ...(checksum ? { ChecksumAlgorithm: "CRC32" as const } : {}),
      }),
    );
    parts.push({
      PartNumber: i + 1,
      ETag: out.ETag!,
      ...(checksum ? { ChecksumCRC32: out.ChecksumCRC32 } : {}),
    });
  }
  return { uploadId: UploadId!, parts };
}

describe("CompleteMultipartUpload", () => {
  test("completing an already completed upload again answers 200 with the object's ETag", async () => {
    const { uploadId, parts } = await twoPartUpload("mp/again.bin");
    const complete = () =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: "mp/again.bin",
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    const first = await complete();
    const second = await complete();
    expect(second.ETag).toBe(first.ETag);
    expect(second.Key).toBe("mp/again.bin");
    // Once the key holds another object, the upload is gone.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "mp/again.bin", Body: "replaced" }));
    expect((await sdkFailure(complete())).name).toBe("NoSuchUpload");
  });

  test("a part number named twice → 400 InvalidPartOrder", async () => {
    const { uploadId, parts } = await twoPartUpload("mp/twice.bin");
    const failure = await sdkFailure(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: "mp/twice.bin",
          UploadId: uploadId,
          MultipartUpload: { Parts: [parts[0]!, parts[0]!, parts[2]!] },
        }),
      ),
    );
    expect({ name: failure.name, status: failure.status }).toEqual({ name: "InvalidPartOrder", status: 400 });
  });
});

describe("GetObjectAttributes ObjectParts", () => {
  test("parts with checksums, paginated with MaxParts and PartNumberMarker", async () => {
    const { uploadId, parts } = await twoPartUpload("mp/attrs.bin", true);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "mp/attrs.bin",
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    const page = (marker?: string) =>
      s3.send(
        new GetObjectAttributesCommand({
          Bucket: bucket,
          Key: "mp/attrs.bin",
          ObjectAttributes: ["ObjectParts"],
          MaxParts: 2,
          PartNumberMarker: marker,
        }),
      );
    const first = (await page()).ObjectParts!;
    expect(first.TotalPartsCount).toBe(3);
    expect(first.IsTruncated).toBe(true);
    expect(first.MaxParts).toBe(2);
    expect(first.NextPartNumberMarker).toBe("2");
    expect(first.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumCRC32])).toEqual([
      [1, 5 * MiB, parts[0]!.ChecksumCRC32],
      [2, 5 * MiB, parts[1]!.ChecksumCRC32],
    ]);
    const second = (await page(first.NextPartNumberMarker)).ObjectParts!;
    expect(second.IsTruncated).toBe(false);
    expect(second.PartNumberMarker).toBe("2");
    expect(second.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumCRC32])).toEqual([
      [3, 1000, parts[2]!.ChecksumCRC32],
    ]);
  });
});

describe("ListObjects v1 with encoding-type=url", () => {
  test("Prefix, Delimiter, Marker, NextMarker, Key and CommonPrefixes are URL-encoded", async () => {
    for (const key of ["enc é/a b.txt", "enc é/c+d.txt", "enc é/sub dir/x.txt", "enc é/z.txt"]) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" }));
    }
    const response = await signedFetch(server, `/${bucket}`, {
      query: {
        prefix: "enc é/",
        delimiter: "/",
        marker: "enc é/a b.txt",
        "max-keys": "2",
        "encoding-type": "url",
      },
    });
    const xml = await response.text();
    expect(response.status).toBe(200);
    expect(xmlValue(xml, "EncodingType")).toBe("url");
    expect(xmlValue(xml, "Prefix")).toBe("enc%20%C3%A9/");
    expect(xmlValue(xml, "Delimiter")).toBe("/");
    expect(xmlValue(xml, "Marker")).toBe("enc%20%C3%A9/a%20b.txt");
    expect(xmlValue(xml, "IsTruncated")).toBe("true");
    expect(xmlValue(xml, "NextMarker")).toBe("enc%20%C3%A9/sub%20dir/");
    expect(xmlValues(xml, "Key")).toEqual(["enc%20%C3%A9/c%2Bd.txt"]);
    expect(xmlValues(xml, "Prefix").slice(1)).toEqual(["enc%20%C3%A9/sub%20dir/"]);
  });
});

describe("request framing", () => {
  test("PUT with Transfer-Encoding: chunked and no Content-Length → 501 NotImplemented, as S3 answers", async () => {
    const response = await rawRequest(server, {
      method: "PUT",
      target: `/${bucket}/chunked.txt`,
      headers: { "transfer-encoding": "chunked" },
      body: "5\r\nhello\r\n0\r\n\r\n",
      omitContentLength: true,
      sign: true,
    });
    expect(response.status).toBe(501);
    expect(errorCodeOf(response.body)).toBe("NotImplemented");
    expect(xmlValue(response.body, "Message")).toBe(
      "A header you provided implies functionality that is not implemented",
    );
    const head = await sdkFailure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "chunked.txt" })));
    expect(head.status).toBe(404);
  });

  // Bun.serve writes "100 Continue" itself as soon as the headers arrive, before s3dir runs, so the
  // refusal follows it at once; what matters to the client is that the body is never needed.
  test("an anonymous PUT with Expect: 100-continue to a bucket it may not write gets 403 without sending the body", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, "127.0.0.1", () => {
        socket.write(
          `PUT /${bucket}/anon.txt HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n`,
        );
      });
      let text = "";
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no final answer: ${JSON.stringify(text)}`));
      }, 10_000);
      socket.on("data", (chunk: Buffer) => {
        text += chunk.toString("latin1");
        if (/HTTP\/1\.1 [2-5]\d\d /.test(text)) {
          clearTimeout(timer);
          socket.destroy();
          resolve(text);
        }
      });
      socket.on("error", reject);
    });
    const statuses = [...answer.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    expect(statuses.filter((s) => s !== "100")).toEqual(["403"]);
  });
});

describe("user metadata with non-ASCII characters", () => {
  test("UTF-8 values from the SDK are signed as text, stored decoded and returned RFC 2047-encoded, as S3 does", async () => {
    const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
    const metadata = { encoded: `=?UTF-8?B?${b64("café ☕")}?=`, latin: "café crème", plain: "ascii only" };
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "meta/utf.txt", Body: "m", Metadata: metadata }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "meta/utf.txt" }));
    expect(head.Metadata).toEqual({
      encoded: `=?UTF-8?B?${b64("café ☕")}?=`,
      latin: `=?UTF-8?B?${b64("café crème")}?=`,
      plain: "ascii only",
    });
  });
});

describe("presigned URLs", () => {
  test("X-Amz-Expires out of range or not a number → 400 AuthorizationQueryParametersError", async () => {
    const cases: [number | string, string][] = [
      [604801, "X-Amz-Expires must be less than a week (in seconds) that is; 604800"],
      [-7, "X-Amz-Expires must be non-negative"],
      ["soon", "X-Amz-Expires should be a number"],
    ];
    for (const [expires, message] of cases) {
      const url = new URL(await presignUrl(server, `/${bucket}/meta/utf.txt`, { expiresIn: 60 }));
      url.searchParams.set("X-Amz-Expires", String(expires));
      const response = await fetch(url);
      const xml = await response.text();
      expect({
        expires,
        status: response.status,
        code: errorCodeOf(xml),
        message: xmlValue(xml, "Message"),
      }).toEqual({
        expires,
        status: 400,
        code: "AuthorizationQueryParametersError",
        message,
      });
    }
  });
});

describe("presigned URLs valid for no time", () => {
  test("a URL signed with X-Amz-Expires=0 → 403 AccessDenied, Request has expired", async () => {
    const url = await presignUrl(server, `/${bucket}/meta/utf.txt`, { expiresIn: 0 });
    const response = await fetch(url);
    const xml = await response.text();
    expect({ status: response.status, code: errorCodeOf(xml), message: xmlValue(xml, "Message") }).toEqual({
      status: 403,
      code: "AccessDenied",
      message: "Request has expired",
    });
    expect(xmlValue(xml, "X-Amz-Expires")).toBe("0");
  });

  test("a URL signed with a negative X-Amz-Expires → 400 AuthorizationQueryParametersError", async () => {
    const response = await fetch(await presignUrl(server, `/${bucket}/meta/utf.txt`, { expiresIn: -7 }));
    const xml = await response.text();
    expect([response.status, errorCodeOf(xml), xmlValue(xml, "Message")]).toEqual([
      400,
      "AuthorizationQueryParametersError",
      "X-Amz-Expires must be non-negative",
    ]);
  });
});

describe("keys that are not UTF-8", () => {
  test("GetObject of percent-encoded bytes that are not UTF-8 → 400 InvalidURI", async () => {
    const response = await rawRequest(server, { target: `/${bucket}/%FF%FE%C3`, sign: true });
    expect(response.status).toBe(400);
    expect(errorCodeOf(response.body)).toBe("InvalidURI");
  });
});

describe("the Date header", () => {
  test("HEAD answers carry Date as GET answers do: HeadObject, HeadBucket and a HEAD 404", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "dated.txt", Body: "x" }));
    for (const path of [`/${bucket}/dated.txt`, `/${bucket}`, `/${bucket}/missing.txt`]) {
      for (const method of ["HEAD", "GET"]) {
        const response = await signedFetch(server, path, { method });
        await response.arrayBuffer();
        const date = Date.parse(response.headers.get("date") ?? "");
        expect({ path, method, dated: Math.abs(date - Date.now()) < 60_000 }).toEqual({
          path,
          method,
          dated: true,
        });
      }
    }
  });
});

describe("response header overrides", () => {
  test("an anonymous GET or HEAD of a public object may not override headers (400 InvalidRequest); a signed one may", async () => {
    await allowAnyone(s3, bucket, "s3:GetObject", `${bucket}/public/*`);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "public/page.txt",
        Body: "<b>x</b>",
        ContentType: "text/plain",
      }),
    );
    const url = `${server.endpoint}/${bucket}/public/page.txt`;
    for (const method of ["GET", "HEAD"]) {
      const refused = await fetch(`${url}?response-content-type=text%2Fhtml`, { method });
      const xml = await refused.text();
      expect({ method, status: refused.status, type: refused.headers.get("content-type") }).toEqual({
        method,
        status: 400,
        type: method === "GET" ? "application/xml" : null,
      });
      if (method === "GET") {
        expect([errorCodeOf(xml), xmlValue(xml, "Message")]).toEqual([
          "InvalidRequest",
          "Request specific response headers cannot be used for anonymous GET requests.",
        ]);
      }
    }
    const plain = await fetch(url);
    expect([plain.status, plain.headers.get("content-type"), await plain.text()]).toEqual([
      200,
      "text/plain",
      "<b>x</b>",
    ]);
    const signed = await signedFetch(server, `/${bucket}/public/page.txt`, {
      query: { "response-content-type": "text/html" },
    });
    expect([signed.status, signed.headers.get("content-type")]).toEqual([200, "text/html"]);
    await signed.arrayBuffer();
  });
});

describe("keys over 1024 bytes", () => {
  test("PUT, GET, HEAD and DELETE → 400 KeyTooLongError with its Size and MaxSizeAllowed", async () => {
    const key = `${"k".repeat(1020)}ééé`; // 1026 bytes of UTF-8
    for (const method of ["PUT", "GET", "HEAD", "DELETE"]) {
      const response = await signedFetch(server, `/${bucket}/${encodeURIComponent(key)}`, {
        method,
        body: method === "PUT" ? "x" : undefined,
      });
      const xml = await response.text();
      expect({ method, status: response.status }).toEqual({ method, status: 400 });
      if (method === "HEAD") continue;
      expect([
        errorCodeOf(xml),
        xmlValue(xml, "Message"),
        xmlValue(xml, "Size"),
        xmlValue(xml, "MaxSizeAllowed"),
      ]).toEqual(["KeyTooLongError", "Your key is too long", "1026", "1024"]);
    }
  });
});

describe("storage classes", () => {
  test("a storage class S3 does not know → 400 InvalidStorageClass, nothing stored; a known one is taken", async () => {
    const bogus = "BOGUS" as "STANDARD";
    const put = await sdkFailure(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "class/put.txt", Body: "x", StorageClass: bogus })),
    );
    const create = await sdkFailure(
      s3.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: "class/mpu.txt", StorageClass: bogus }),
      ),
    );
    const copy = await sdkFailure(
      s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: "class/copy.txt",
          CopySource: `${bucket}/class/put.txt`,
          StorageClass: bogus,
        }),
      ),
    );
    expect([put, create, copy].map((f) => [f.status, f.name])).toEqual([
      [400, "InvalidStorageClass"],
      [400, "InvalidStorageClass"],
      [400, "InvalidStorageClass"],
    ]);
    expect(
      (await sdkFailure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "class/put.txt" })))).status,
    ).toBe(404);
    const known = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "class/ia.txt", Body: "x", StorageClass: "STANDARD_IA" }),
    );
    expect(known.$metadata.httpStatusCode).toBe(200);
  });
});
