import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import {
  aws,
  bytes,
  encodeKey,
  errorCodeOf,
  expectOk,
  md5Hex,
  objectPath,
  py,
  sdkFailure,
  signedFetch,
  uniqueBucket,
  useHost,
  xmlValue,
} from "../helpers/index.ts";

// Servers, the AWS CLI and python start in seconds, not milliseconds.
setDefaultTimeout(60_000);

const { server, s3 } = useHost({ bucket: false });
const src = uniqueBucket("copy-src");
const dst = uniqueBucket("copy-dst");

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: src }));
  await s3.send(new CreateBucketCommand({ Bucket: dst }));
});

const copySource = (bucket: string, key: string) => `${bucket}/${encodeKey(key)}`;

async function put(
  bucket: string,
  key: string,
  body: string | Uint8Array,
  extra: Record<string, unknown> = {},
) {
  return await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }));
}

async function text(bucket: string, key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return await got.Body!.transformToString();
}

describe("CopyObject", () => {
  test("same bucket: bytes, ETag and metadata are copied (COPY is the default)", async () => {
    const source = await put(src, "orig.txt", "copy me", {
      ContentType: "text/x-original",
      CacheControl: "max-age=5",
      ContentDisposition: "inline",
      Metadata: { owner: "alice" },
    });
    const copied = await s3.send(
      new CopyObjectCommand({ Bucket: src, Key: "copy.txt", CopySource: copySource(src, "orig.txt") }),
    );
    expect(copied.CopyObjectResult?.ETag).toBe(source.ETag);
    expect(copied.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
    const head = await s3.send(new HeadObjectCommand({ Bucket: src, Key: "copy.txt" }));
    expect(head.ETag).toBe(`"${md5Hex("copy me")}"`);
    expect(head.ContentType).toBe("text/x-original");
    expect(head.CacheControl).toBe("max-age=5");
    expect(head.ContentDisposition).toBe("inline");
    expect(head.Metadata).toEqual({ owner: "alice" });
    expect(await text(src, "copy.txt")).toBe("copy me");
    expect(await text(src, "orig.txt")).toBe("copy me");
  });

  test("cross bucket, awkward keys, 1 MiB of binary", async () => {
    const body = bytes(1024 * 1024, 11);
    const key = "dir with space/ü+plus%25/日本.bin";
    await put(src, key, body);
    await s3.send(
      new CopyObjectCommand({ Bucket: dst, Key: "to/ö & co.bin", CopySource: copySource(src, key) }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: dst, Key: "to/ö & co.bin" }));
    expect(got.ETag).toBe(`"${md5Hex(body)}"`);
    expect(Buffer.compare(Buffer.from(await got.Body!.transformToByteArray()), Buffer.from(body))).toBe(0);
  });

  test("raw request: x-amz-copy-source with a leading slash, CopyObjectResult XML", async () => {
    await put(src, "raw-src.txt", "raw copy");
    const response = await signedFetch(server, objectPath(dst, "raw-dst.txt"), {
      method: "PUT",
      headers: { "x-amz-copy-source": `/${src}/raw-src.txt` },
    });
    expect(response.status).toBe(200);
    const xml = await response.text();
    expect(xml).toContain("<CopyObjectResult");
    expect(xmlValue(xml, "ETag")).toBe(`"${md5Hex("raw copy")}"`);
    expect(xmlValue(xml, "LastModified")).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/);
    expect(await text(dst, "raw-dst.txt")).toBe("raw copy");
  });

  test("MetadataDirective REPLACE sets new metadata and drops the old", async () => {
    await put(src, "replace-src.txt", "same bytes", { ContentType: "text/x-old", Metadata: { old: "1" } });
    await s3.send(
      new CopyObjectCommand({
        Bucket: dst,
        Key: "replaced.txt",
        CopySource: copySource(src, "replace-src.txt"),
        MetadataDirective: "REPLACE",
        ContentType: "text/x-new",
        Metadata: { new: "2" },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: dst, Key: "replaced.txt" }));
    expect(head.ContentType).toBe("text/x-new");
    expect(head.Metadata).toEqual({ new: "2" });
    expect(await text(dst, "replaced.txt")).toBe("same bytes");
  });

  test("copy onto itself without REPLACE → 400 InvalidRequest, object unchanged", async () => {
    await put(src, "self.txt", "self", { Metadata: { v: "1" } });
    const failure = await sdkFailure(
      s3.send(
        new CopyObjectCommand({ Bucket: src, Key: "self.txt", CopySource: copySource(src, "self.txt") }),
      ),
    );
    expect(failure).toMatchObject({ name: "InvalidRequest", status: 400 });
    const head = await s3.send(new HeadObjectCommand({ Bucket: src, Key: "self.txt" }));
    expect(head.Metadata).toEqual({ v: "1" });
  });

  test("copy onto itself with x-amz-storage-class (how tools change a tier) → 200, metadata and bytes kept", async () => {
    const original = await put(src, "self-tier.txt", "tiered", {
      ContentType: "text/x-tier",
      Metadata: { v: "1" },
    });
    await s3.send(
      new CopyObjectCommand({
        Bucket: src,
        Key: "self-tier.txt",
        CopySource: copySource(src, "self-tier.txt"),
        StorageClass: "STANDARD_IA",
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: src, Key: "self-tier.txt" }));
    expect(head.Metadata).toEqual({ v: "1" });
    expect(head.ContentType).toBe("text/x-tier");
    expect(head.ETag).toBe(original.ETag);
    expect(await text(src, "self-tier.txt")).toBe("tiered");
  });

  test("copy onto itself with REPLACE changes the metadata and keeps the bytes", async () => {
    const original = await put(src, "self-replace.txt", "keep these bytes", {
      ContentType: "text/plain",
      Metadata: { v: "1" },
    });
    await s3.send(
      new CopyObjectCommand({
        Bucket: src,
        Key: "self-replace.txt",
        CopySource: copySource(src, "self-replace.txt"),
        MetadataDirective: "REPLACE",
        ContentType: "application/x-changed",
        Metadata: { v: "2", extra: "yes" },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: src, Key: "self-replace.txt" }));
    expect(head.Metadata).toEqual({ v: "2", extra: "yes" });
    expect(head.ContentType).toBe("application/x-changed");
    expect(head.ETag).toBe(original.ETag);
    expect(await text(src, "self-replace.txt")).toBe("keep these bytes");
  });

  test("missing source key → 404 NoSuchKey; missing buckets → 404 NoSuchBucket; nothing created", async () => {
    const noKey = await sdkFailure(
      s3.send(
        new CopyObjectCommand({ Bucket: dst, Key: "never.txt", CopySource: copySource(src, "absent.txt") }),
      ),
    );
    expect(noKey).toMatchObject({ name: "NoSuchKey", status: 404 });
    const noSrcBucket = await sdkFailure(
      s3.send(
        new CopyObjectCommand({
          Bucket: dst,
          Key: "never.txt",
          CopySource: copySource(uniqueBucket("x"), "a"),
        }),
      ),
    );
    expect(noSrcBucket).toMatchObject({ name: "NoSuchBucket", status: 404 });
    await put(src, "exists.txt", "e");
    const noDstBucket = await sdkFailure(
      s3.send(
        new CopyObjectCommand({
          Bucket: uniqueBucket("y"),
          Key: "never.txt",
          CopySource: copySource(src, "exists.txt"),
        }),
      ),
    );
    expect(noDstBucket).toMatchObject({ name: "NoSuchBucket", status: 404 });
    expect((await signedFetch(server, objectPath(dst, "never.txt"), { method: "HEAD" })).status).toBe(404);
  });

  test("malformed copy source or directive → 400 InvalidArgument", async () => {
    const noKey = await signedFetch(server, objectPath(dst, "bad.txt"), {
      method: "PUT",
      headers: { "x-amz-copy-source": src },
    });
    expect(noKey.status).toBe(400);
    expect(errorCodeOf(await noKey.text())).toBe("InvalidArgument");
    await put(src, "directive.txt", "d");
    const directive = await signedFetch(server, objectPath(dst, "bad.txt"), {
      method: "PUT",
      headers: { "x-amz-copy-source": `${src}/directive.txt`, "x-amz-metadata-directive": "BOGUS" },
    });
    expect(directive.status).toBe(400);
    expect(errorCodeOf(await directive.text())).toBe("InvalidArgument");
    expect((await signedFetch(server, objectPath(dst, "bad.txt"), { method: "HEAD" })).status).toBe(404);
  });
});

describe("x-amz-copy-source-if-* conditions", () => {
  let etag = "";
  let lastModified: Date;
  beforeAll(async () => {
    etag = (await put(src, "cond.txt", "conditional copy")).ETag!;
    lastModified = (await s3.send(new HeadObjectCommand({ Bucket: src, Key: "cond.txt" }))).LastModified!;
  });

  const past = () => new Date(lastModified.getTime() - 3600_000);
  const future = () => new Date(Date.now() + 3600_000);

  async function copyWith(conditions: Record<string, string | Date>) {
    return await s3.send(
      new CopyObjectCommand({
        Bucket: dst,
        Key: "cond-copy.txt",
        CopySource: copySource(src, "cond.txt"),
        ...conditions,
      }),
    );
  }

  test("failing conditions → 412 PreconditionFailed", async () => {
    const failing: Record<string, Record<string, string | Date>> = {
      "if-match with another ETag": { CopySourceIfMatch: '"0123456789abcdef0123456789abcdef"' },
      "if-none-match with the ETag": { CopySourceIfNoneMatch: etag },
      "if-unmodified-since before the change": { CopySourceIfUnmodifiedSince: past() },
      "if-modified-since the last change": { CopySourceIfModifiedSince: lastModified },
      // S3 documents this pair: if-none-match false and if-modified-since true → 412.
      "if-none-match false and if-modified-since true": {
        CopySourceIfNoneMatch: etag,
        CopySourceIfModifiedSince: past(),
      },
    };
    const results: string[] = [];
    for (const [label, conditions] of Object.entries(failing)) {
      const failure = await sdkFailure(copyWith(conditions)).catch(() => ({ status: 200, name: "copied" }));
      results.push(`${label}: ${failure.status} ${failure.name}`);
    }
    expect(results).toEqual(Object.keys(failing).map((label) => `${label}: 412 PreconditionFailed`));
    expect((await signedFetch(server, objectPath(dst, "cond-copy.txt"), { method: "HEAD" })).status).toBe(
      404,
    );
  });

  test("holding conditions copy", async () => {
    const holding: Record<string, string | Date>[] = [
      { CopySourceIfMatch: etag },
      { CopySourceIfNoneMatch: '"0123456789abcdef0123456789abcdef"' },
      { CopySourceIfModifiedSince: past() },
      { CopySourceIfUnmodifiedSince: future() },
      // S3: if-match true wins over a false if-unmodified-since.
      { CopySourceIfMatch: etag, CopySourceIfUnmodifiedSince: past() },
      // RFC 7232 §6: with If-None-Match present, If-Modified-Since is not evaluated.
      {
        CopySourceIfNoneMatch: '"0123456789abcdef0123456789abcdef"',
        CopySourceIfModifiedSince: lastModified,
      },
    ];
    for (const conditions of holding) {
      const copied = await copyWith(conditions);
      expect(copied.CopyObjectResult?.ETag).toBe(etag);
    }
    expect(await text(dst, "cond-copy.txt")).toBe("conditional copy");
  });
});

describe("other clients", () => {
  test("AWS CLI: s3api copy-object and s3 cp between buckets", async () => {
    await put(src, "cli/src.txt", "cli copy", { Metadata: { via: "cli" } });
    const copied = expectOk(
      await aws(server, [
        "s3api",
        "copy-object",
        "--bucket",
        dst,
        "--key",
        "cli/dst.txt",
        "--copy-source",
        `${src}/cli/src.txt`,
      ]),
    ) as { CopyObjectResult: { ETag: string } };
    expect(copied.CopyObjectResult.ETag).toBe(`"${md5Hex("cli copy")}"`);
    expect(await text(dst, "cli/dst.txt")).toBe("cli copy");
    expectOk(await aws(server, ["s3", "cp", `s3://${src}/cli/src.txt`, `s3://${dst}/cli/cp space.txt`]));
    expect(await text(dst, "cli/cp space.txt")).toBe("cli copy");
    const head = await s3.send(new HeadObjectCommand({ Bucket: dst, Key: "cli/cp space.txt" }));
    expect(head.Metadata).toEqual({ via: "cli" });
  });

  test("boto3: copy_object and the managed copy", async () => {
    await put(src, "boto/src.bin", "boto copy");
    const result = await py(
      server,
      `
      src, dst = ${JSON.stringify(src)}, ${JSON.stringify(dst)}
      r = s3.copy_object(Bucket=dst, Key="boto/plain copy.bin", CopySource={"Bucket": src, "Key": "boto/src.bin"},
                         MetadataDirective="REPLACE", Metadata={"by": "boto"}, ContentType="application/x-boto")
      s3.copy({"Bucket": src, "Key": "boto/src.bin"}, dst, "boto/managed+copy.bin")
      a = s3.get_object(Bucket=dst, Key="boto/plain copy.bin")
      b = s3.get_object(Bucket=dst, Key="boto/managed+copy.bin")
      out({"etag": r["CopyObjectResult"]["ETag"], "a": a["Body"].read().decode(), "meta": a["Metadata"],
           "type": a["ContentType"], "b": b["Body"].read().decode()})
      `,
    );
    expect(expectOk(result)).toEqual({
      etag: `"${md5Hex("boto copy")}"`,
      a: "boto copy",
      meta: { by: "boto" },
      type: "application/x-boto",
      b: "boto copy",
    });
  });
});
