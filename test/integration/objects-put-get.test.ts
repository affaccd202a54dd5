import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  aws,
  bytes,
  errorCodeOf,
  expectOk,
  md5Base64,
  md5Hex,
  objectPath,
  py,
  sdkFailure,
  sha256Hex,
  signedFetch,
  uniqueBucket,
  useHost,
  walk,
} from "../helpers/index.ts";
import { bucketState } from "../helpers/util.ts";

// Servers, the AWS CLI and python start in seconds, not milliseconds.
setDefaultTimeout(60_000);

const { server, s3, bucket } = useHost({ bucket: "objects" });

function crc32Base64(data: Uint8Array | string): string {
  const value = Bun.hash.crc32(data);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return Buffer.from(out).toString("base64");
}

async function getBytes(key: string): Promise<Uint8Array> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return await got.Body!.transformToByteArray();
}

async function exists(key: string): Promise<boolean> {
  const response = await signedFetch(server, objectPath(bucket, key), { method: "HEAD" });
  return response.status === 200;
}

describe("PutObject and GetObject with the SDK", () => {
  test("small body: quoted MD5 ETag, exact bytes back", async () => {
    const body = "hello, s3dir\n";
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "hello.txt", Body: body }));
    expect(put.ETag).toBe(`"${md5Hex(body)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "hello.txt" }));
    expect(got.ETag).toBe(`"${md5Hex(body)}"`);
    expect(got.ContentLength).toBe(body.length);
    expect(got.LastModified).toBeInstanceOf(Date);
    expect(await got.Body!.transformToString()).toBe(body);
  });

  test("binary body of 1 MiB round-trips byte for byte", async () => {
    const body = bytes(1024 * 1024, 7);
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "bin/one-mib.bin", Body: body }));
    expect(put.ETag).toBe(`"${md5Hex(body)}"`);
    expect(Buffer.compare(Buffer.from(await getBytes("bin/one-mib.bin")), Buffer.from(body))).toBe(0);
  });

  test("a large object is served whole and in ranges with its length, and leaves no link in the bucket", async () => {
    const body = bytes(3 * 1024 * 1024 + 5, 11);
    const key = "bin/large.bin";
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const whole = await signedFetch(server, objectPath(bucket, key));
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-length")).toBe(String(body.length));
    expect(whole.headers.get("content-disposition")).toBeNull();
    expect(Buffer.compare(Buffer.from(await whole.arrayBuffer()), Buffer.from(body))).toBe(0);
    const part = await signedFetch(server, objectPath(bucket, key), {
      headers: { range: "bytes=1048570-2097160" },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-length")).toBe("1048591");
    expect(part.headers.get("content-disposition")).toBeNull();
    expect(
      Buffer.compare(Buffer.from(await part.arrayBuffer()), Buffer.from(body.subarray(1048570, 2097161))),
    ).toBe(0);
    // No hard link of the object in the server's state (a metadata write per read, impossible on a read-only root).
    let links: string[] = [];
    try {
      links = readdirSync(bucketState(server.root, bucket, "serve"));
    } catch {
      // never made: nothing linked
    }
    expect(links).toEqual([]);
  });

  test("streamed body (aws-chunked with a trailing checksum) is stored decoded", async () => {
    const body = bytes(300 * 1024 + 17, 9);
    const chunks = Array.from({ length: 10 }, (_, i) =>
      body.subarray(i * 30_722, Math.min(body.length, (i + 1) * 30_722)),
    );
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "stream/body.bin",
        Body: Readable.from(chunks.filter((c) => c.length > 0)),
        ContentLength: body.length,
      }),
    );
    expect(put.ETag).toBe(`"${md5Hex(body)}"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "stream/body.bin" }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.ContentEncoding ?? "").not.toContain("aws-chunked");
    expect(Buffer.compare(Buffer.from(await getBytes("stream/body.bin")), Buffer.from(body))).toBe(0);
  });

  test("empty object", async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "empty", Body: "" }));
    expect(put.ETag).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
    const response = await signedFetch(server, objectPath(bucket, "empty"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("0");
    expect(await response.text()).toBe("");
  });

  test("overwrite serves the new bytes and ETag", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "over.txt", Body: "first version" }));
    const second = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "over.txt", Body: "second" }));
    expect(second.ETag).toBe(`"${md5Hex("second")}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "over.txt" }));
    expect(got.ETag).toBe(second.ETag);
    expect(await got.Body!.transformToString()).toBe("second");
  });

  test("awkward keys round-trip", async () => {
    const keys = [
      "dir/sub dir/file+plus%percent.txt",
      "ünï/cødé/日本語.txt",
      "emoji/\u{1F600}.bin",
      " leading and trailing space ",
      "a&b<c>d'e\"f.xml",
      "semi;colon,comma=eq?q#hash[b]{c}$@!",
      "tilde~star*paren(1).txt",
      `${"x".repeat(254)}/${"y".repeat(254)}/${"z".repeat(254)}/${"w".repeat(254)}/1234`,
    ];
    expect(Buffer.byteLength(keys.at(-1)!)).toBe(1024);
    for (const key of keys) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
    }
    for (const key of keys) {
      expect(new TextDecoder().decode(await getBytes(key))).toBe(`body of ${key}`);
    }
  });

  test("metadata round trip: content headers and x-amz-meta-*", async () => {
    const expires = new Date("2031-02-03T04:05:06Z");
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "meta/doc.bin",
        Body: "with metadata",
        ContentType: "text/x-s3dir; charset=utf-8",
        ContentEncoding: "x-s3dir-test",
        ContentDisposition: 'attachment; filename="a b.txt"',
        ContentLanguage: "de-CH",
        CacheControl: "max-age=60, private",
        Expires: expires,
        Metadata: { color: "blue", "Mixed-Case": "Value With Spaces" },
      }),
    );
    for (const command of [GetObjectCommand, HeadObjectCommand]) {
      const got = await s3.send(new command({ Bucket: bucket, Key: "meta/doc.bin" }));
      expect(got.ContentType).toBe("text/x-s3dir; charset=utf-8");
      expect(got.ContentEncoding).toBe("x-s3dir-test");
      expect(got.ContentDisposition).toBe('attachment; filename="a b.txt"');
      expect(got.ContentLanguage).toBe("de-CH");
      expect(got.CacheControl).toBe("max-age=60, private");
      expect(got.Expires?.getTime()).toBe(expires.getTime());
      expect(got.Metadata).toEqual({ color: "blue", "mixed-case": "Value With Spaces" });
      expect(got.ETag).toBe(`"${md5Hex("with metadata")}"`);
      expect(got.ContentLength).toBe("with metadata".length);
    }
  });

  test("user metadata up to 2 KB is accepted, beyond → 400 MetadataTooLarge", async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "meta/ok",
        Body: "x",
        Metadata: { big: "v".repeat(1900) },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "meta/ok" }));
    expect(head.Metadata?.big).toBe("v".repeat(1900));
    const failure = await sdkFailure(
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: "meta/big",
          Body: "x",
          Metadata: { big: "v".repeat(2100) },
        }),
      ),
    );
    expect(failure).toMatchObject({ name: "MetadataTooLarge", status: 400 });
    expect(await exists("meta/big")).toBe(false);
  });

  test("a key over 1024 bytes → 400 KeyTooLongError", async () => {
    const key = `long/${"k".repeat(200)}/`.repeat(5).slice(0, 1025);
    const failure = await sdkFailure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" })));
    expect(failure).toMatchObject({ name: "KeyTooLongError", status: 400 });
  });

  test("GetObject of a missing key → 404 NoSuchKey; missing bucket → 404 NoSuchBucket", async () => {
    expect(
      await sdkFailure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "no/such/key" }))),
    ).toMatchObject({
      name: "NoSuchKey",
      status: 404,
    });
    const nobucket = await sdkFailure(
      s3.send(new GetObjectCommand({ Bucket: uniqueBucket("nob"), Key: "k" })),
    );
    expect(nobucket).toMatchObject({ name: "NoSuchBucket", status: 404 });
  });
});

describe("integrity checks on PUT", () => {
  test("Content-MD5 mismatch → 400 BadDigest and nothing stored (raw and SDK)", async () => {
    const response = await signedFetch(server, objectPath(bucket, "digest/raw.txt"), {
      method: "PUT",
      body: "actual body",
      headers: { "content-md5": md5Base64("another body") },
    });
    expect(response.status).toBe(400);
    expect(errorCodeOf(await response.text())).toBe("BadDigest");
    expect(await exists("digest/raw.txt")).toBe(false);

    const failure = await sdkFailure(
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: "digest/sdk.txt",
          Body: "actual",
          ContentMD5: md5Base64("other"),
        }),
      ),
    );
    expect(failure).toMatchObject({ name: "BadDigest", status: 400 });
    expect(await exists("digest/sdk.txt")).toBe(false);
  });

  test("Content-MD5 mismatch leaves an existing object intact", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "digest/keep.txt", Body: "original" }));
    const response = await signedFetch(server, objectPath(bucket, "digest/keep.txt"), {
      method: "PUT",
      body: "replacement",
      headers: { "content-md5": md5Base64("not the replacement") },
    });
    expect(response.status).toBe(400);
    expect(new TextDecoder().decode(await getBytes("digest/keep.txt"))).toBe("original");
  });

  test("a correct Content-MD5 is accepted", async () => {
    const response = await signedFetch(server, objectPath(bucket, "digest/good.txt"), {
      method: "PUT",
      body: "good body",
      headers: { "content-md5": md5Base64("good body") },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("etag")).toBe(`"${md5Hex("good body")}"`);
  });

  test("a Content-MD5 that is not a base64 MD5 → 400 InvalidDigest", async () => {
    const response = await signedFetch(server, objectPath(bucket, "digest/invalid.txt"), {
      method: "PUT",
      body: "x",
      headers: { "content-md5": "not-base64-md5" },
    });
    expect(response.status).toBe(400);
    expect(errorCodeOf(await response.text())).toBe("InvalidDigest");
    expect(await exists("digest/invalid.txt")).toBe(false);
  });

  test("wrong x-amz-content-sha256 on a signed body → 400 XAmzContentSHA256Mismatch, nothing stored", async () => {
    const response = await signedFetch(server, objectPath(bucket, "digest/sha.txt"), {
      method: "PUT",
      body: "the real body",
      headers: { "x-amz-content-sha256": await sha256Hex("a different body") },
    });
    expect(response.status).toBe(400);
    expect(errorCodeOf(await response.text())).toBe("XAmzContentSHA256Mismatch");
    expect(await exists("digest/sha.txt")).toBe(false);
  });

  test("a correct signed payload hash is accepted", async () => {
    const response = await signedFetch(server, objectPath(bucket, "digest/sha-ok.txt"), {
      method: "PUT",
      body: "signed payload",
      signPayload: true,
    });
    expect(response.status).toBe(200);
    expect(new TextDecoder().decode(await getBytes("digest/sha-ok.txt"))).toBe("signed payload");
  });

  test("wrong x-amz-checksum-crc32 → 400 BadDigest, nothing stored", async () => {
    const response = await signedFetch(server, objectPath(bucket, "digest/crc.txt"), {
      method: "PUT",
      body: "crc body",
      headers: { "x-amz-checksum-crc32": crc32Base64("other body") },
    });
    expect(response.status).toBe(400);
    expect(errorCodeOf(await response.text())).toBe("BadDigest");
    expect(await exists("digest/crc.txt")).toBe(false);
  });

  test("checksums are returned only with x-amz-checksum-mode: ENABLED", async () => {
    const body = "checksummed body";
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "sum/crc32.txt", Body: body }));
    const plain = await signedFetch(server, objectPath(bucket, "sum/crc32.txt"), { method: "HEAD" });
    expect(plain.headers.get("x-amz-checksum-crc32")).toBeNull();
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: "sum/crc32.txt", ChecksumMode: "ENABLED" }),
    );
    expect(head.ChecksumCRC32).toBe(crc32Base64(body));

    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "sum/sha256.txt",
        Body: body,
        ChecksumAlgorithm: "SHA256",
      }),
    );
    const got = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: "sum/sha256.txt", ChecksumMode: "ENABLED" }),
    );
    expect(got.ChecksumSHA256).toBe(Buffer.from(await sha256Hex(body), "hex").toString("base64"));
    expect(await got.Body!.transformToString()).toBe(body);
  });
});

describe("GetObject ranges and response overrides", () => {
  const key = "range/digits.txt";
  const body = "0123456789";
  beforeAll(async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  });

  const cases: [string, string, string][] = [
    ["bytes=2-5", "2345", "bytes 2-5/10"],
    ["bytes=0-0", "0", "bytes 0-0/10"],
    ["bytes=7-", "789", "bytes 7-9/10"],
    ["bytes=-3", "789", "bytes 7-9/10"],
    ["bytes=-20", body, "bytes 0-9/10"],
    ["bytes=5-100", "56789", "bytes 5-9/10"],
    ["bytes=9-9", "9", "bytes 9-9/10"],
  ];
  for (const [range, expected, contentRange] of cases) {
    test(`Range ${range} → 206 ${JSON.stringify(expected)}`, async () => {
      const response = await signedFetch(server, objectPath(bucket, key), { headers: { range } });
      expect(response.status).toBe(206);
      expect(response.headers.get("content-range")).toBe(contentRange);
      expect(response.headers.get("content-length")).toBe(String(expected.length));
      expect(response.headers.get("etag")).toBe(`"${md5Hex(body)}"`);
      expect(await response.text()).toBe(expected);
    });
  }

  for (const range of ["bytes=10-", "bytes=10-20", "bytes=100-200"]) {
    test(`Range ${range} starting at or past the end → 416 with Content-Range bytes */10`, async () => {
      const response = await signedFetch(server, objectPath(bucket, key), { headers: { range } });
      expect(response.status).toBe(416);
      expect(response.headers.get("content-range")).toBe("bytes */10");
      expect(errorCodeOf(await response.text())).toBe("InvalidRange");
    });
  }

  for (const range of ["bytes=abc", "pages=1-2", "bytes=5-2", "bytes", "bytes=--1"]) {
    test(`unparseable Range ${JSON.stringify(range)} → 200 with the whole object`, async () => {
      const response = await signedFetch(server, objectPath(bucket, key), { headers: { range } });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-range")).toBeNull();
      expect(await response.text()).toBe(body);
    });
  }

  test("the SDK's Range parameter", async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: "bytes=3-6" }));
    expect(got.$metadata.httpStatusCode).toBe(206);
    expect(got.ContentRange).toBe("bytes 3-6/10");
    expect(got.ContentLength).toBe(4);
    expect(await got.Body!.transformToString()).toBe("3456");
  });

  test("response-* query parameters override the response headers", async () => {
    const response = await signedFetch(server, objectPath(bucket, key), {
      query: {
        "response-content-type": "text/x-override",
        "response-content-language": "fr",
        "response-expires": "Thu, 01 Dec 2033 16:00:00 GMT",
        "response-cache-control": "no-cache",
        "response-content-disposition": 'attachment; filename="override.txt"',
        "response-content-encoding": "x-override",
      },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/x-override");
    expect(response.headers.get("content-language")).toBe("fr");
    expect(response.headers.get("expires")).toBe("Thu, 01 Dec 2033 16:00:00 GMT");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="override.txt"');
    expect(response.headers.get("content-encoding")).toBe("x-override");
    expect(await response.text()).toBe(body);

    const got = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ResponseContentType: "application/x-sdk",
        ResponseCacheControl: "no-store",
      }),
    );
    expect(got.ContentType).toBe("application/x-sdk");
    expect(got.CacheControl).toBe("no-store");
  });

  test("HEAD has the GET headers and no body", async () => {
    const response = await signedFetch(server, objectPath(bucket, key), { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("10");
    expect(response.headers.get("etag")).toBe(`"${md5Hex(body)}"`);
    expect(response.headers.get("last-modified")).toMatch(
      /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
    );
    expect(await response.text()).toBe("");
  });
});

describe("other clients", () => {
  test("AWS CLI: put-object, get-object, s3 cp up and down", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s3dir-cli-"));
    try {
      const data = bytes(200_000, 3);
      writeFileSync(join(dir, "up.bin"), data);
      const put = expectOk(
        await aws(server, [
          "s3api",
          "put-object",
          "--bucket",
          bucket,
          "--key",
          "cli/put.bin",
          "--body",
          join(dir, "up.bin"),
        ]),
      ) as { ETag: string };
      expect(put.ETag).toBe(`"${md5Hex(data)}"`);
      const get = expectOk(
        await aws(server, [
          "s3api",
          "get-object",
          "--bucket",
          bucket,
          "--key",
          "cli/put.bin",
          join(dir, "down.bin"),
        ]),
      ) as { ContentLength: number; ETag: string };
      expect(get.ContentLength).toBe(data.length);
      expect(Buffer.compare(readFileSync(join(dir, "down.bin")), Buffer.from(data))).toBe(0);

      expectOk(await aws(server, ["s3", "cp", join(dir, "up.bin"), `s3://${bucket}/cli/cp dir/cp.bin`]));
      expectOk(await aws(server, ["s3", "cp", `s3://${bucket}/cli/cp dir/cp.bin`, join(dir, "cp-down.bin")]));
      expect(Buffer.compare(readFileSync(join(dir, "cp-down.bin")), Buffer.from(data))).toBe(0);
      expect(Buffer.compare(Buffer.from(await getBytes("cli/cp dir/cp.bin")), Buffer.from(data))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("boto3: put_object, get_object, upload_fileobj, download_fileobj, metadata", async () => {
    const result = await py(
      server,
      `
      import io, hashlib
      bucket = ${JSON.stringify(bucket)}
      data = bytes((i * 31 + 7) % 256 for i in range(150000))
      put = s3.put_object(Bucket=bucket, Key="boto/put.bin", Body=data, ContentType="application/x-boto",
                          Metadata={"origin": "boto3"})
      got = s3.get_object(Bucket=bucket, Key="boto/put.bin")
      body = got["Body"].read()
      s3.upload_fileobj(io.BytesIO(data), bucket, "boto/ü pload.bin")
      buf = io.BytesIO()
      s3.download_fileobj(bucket, "boto/ü pload.bin", buf)
      out({"putEtag": put["ETag"], "md5": hashlib.md5(data).hexdigest(), "same": body == data,
           "type": got["ContentType"], "meta": got["Metadata"], "len": got["ContentLength"],
           "roundTrip": buf.getvalue() == data})
      `,
    );
    const json = expectOk(result) as Record<string, unknown>;
    expect(json).toEqual({
      putEtag: `"${json.md5}"`,
      md5: json.md5,
      same: true,
      type: "application/x-boto",
      meta: { origin: "boto3" },
      len: 150000,
      roundTrip: true,
    });
    expect(walk(join(server.root, bucket)).filter((p) => p.startsWith("boto/"))).toEqual([
      "boto/put.bin",
      "boto/ü pload.bin",
    ]);
  });
});

describe("large objects", () => {
  const key = "large/three-mib.bin";
  const body = bytes(3 * 1024 * 1024 + 17, 5);
  beforeAll(async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  });

  test("GET and ranged GET of an object over 1 MiB carry Content-Length, as every S3 client expects", async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(got.ContentLength).toBe(body.byteLength);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.from(body))).toBe(true);

    const full = await signedFetch(server, objectPath(bucket, key));
    expect(full.status).toBe(200);
    expect(full.headers.get("content-length")).toBe(String(body.byteLength));
    expect(full.headers.get("transfer-encoding")).toBeNull();
    await full.arrayBuffer();

    const ranged = await signedFetch(server, objectPath(bucket, key), {
      headers: { range: "bytes=1048570-2097160" },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-length")).toBe(String(2097160 - 1048570 + 1));
    expect(ranged.headers.get("content-range")).toBe(`bytes 1048570-2097160/${body.byteLength}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(Buffer.from(body.subarray(1048570, 2097161)))).toBe(
      true,
    );
  });

  test("GET, ranged GET and HEAD of a large object carry no Content-Disposition the object does not have", async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(got.ContentDisposition).toBeUndefined();
    await got.Body!.transformToByteArray();
    const ranged = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, Range: "bytes=5-1500000" }),
    );
    expect(ranged.ContentDisposition).toBeUndefined();
    await ranged.Body!.transformToByteArray();
    for (const [method, headers] of [
      ["GET", {}],
      ["GET", { range: "bytes=1048576-" }],
      ["HEAD", {}],
    ] as const) {
      const response = await signedFetch(server, objectPath(bucket, key), { method, headers });
      expect([method, response.headers.get("content-disposition")]).toEqual([method, null]);
      await response.arrayBuffer();
    }
    // A type that is not text or media: the runtime names a served file in that case.
    const pdfKey = "large/document.pdf";
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: pdfKey, Body: body, ContentType: "application/pdf" }),
    );
    const pdf = await signedFetch(server, objectPath(bucket, pdfKey));
    expect([pdf.headers.get("content-type"), pdf.headers.get("content-disposition")]).toEqual([
      "application/pdf",
      null,
    ]);
    await pdf.arrayBuffer();
    // A stored Content-Disposition is served as stored.
    const namedKey = "large/named.bin";
    const disposition = 'attachment; filename="report.bin"';
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: namedKey, Body: body, ContentDisposition: disposition }),
    );
    const named = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: namedKey }));
    expect(named.ContentDisposition).toBe(disposition);
    await named.Body!.transformToByteArray();
  });

  test("serving a large object writes nothing into the root and leaves nothing behind", async () => {
    const got = await signedFetch(server, objectPath(bucket, key));
    await got.arrayBuffer();
    expect(walk(bucketState(server.root, bucket, "serve"))).toEqual([]);
    expect(walk(bucketState(server.root, bucket, "tmp"))).toEqual([]);
  });

  test("an object replaced while its GET is starting is served whole, old or new, never mixed", async () => {
    const other = bytes(2 * 1024 * 1024 + 3, 9);
    for (let round = 0; round < 5; round++) {
      const [got] = await Promise.all([
        signedFetch(server, objectPath(bucket, "large/racing.bin")).then(async (r) => ({
          status: r.status,
          etag: r.headers.get("etag"),
          data: Buffer.from(await r.arrayBuffer()),
        })),
        s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: "large/racing.bin", Body: round % 2 ? body : other }),
        ),
      ]);
      if (got.status !== 200) continue;
      expect(got.etag).toBe(`"${md5Hex(got.data)}"`);
    }
  });
});
