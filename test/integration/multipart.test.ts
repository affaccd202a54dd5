/** Multipart uploads through @aws-sdk/client-s3: the whole API, its errors and its paging. */
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import {
  bytes,
  errorCodeOf,
  md5Hex,
  objectPath,
  sdkFailure,
  signedFetch,
  uniqueBucket,
  useHost,
  xmlValue,
  xmlValues,
} from "../helpers/index.ts";
import { bucketState } from "../helpers/util.ts";

setDefaultTimeout(60_000);

const MiB = 1024 * 1024;
const { server, s3, bucket } = useHost({ bucket: "mpu" });

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** The S3 multipart ETag of these parts. */
function multipartEtag(parts: Uint8Array[]): string {
  const h = new Bun.CryptoHasher("md5");
  for (const p of parts) h.update(Buffer.from(md5Hex(p), "hex"));
  return `"${h.digest("hex")}-${parts.length}"`;
}

async function create(key: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...extra }));
  expect(created.UploadId).toMatch(/^[0-9a-f]{12}[A-Za-z0-9_-]{32}$/);
  return created.UploadId!;
}

async function put(
  key: string,
  uploadId: string,
  n: number,
  body: Uint8Array,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const r = await s3.send(
    new UploadPartCommand({
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: n,
      Body: body,
      ...extra,
    }),
  );
  expect(r.ETag).toBe(`"${md5Hex(body)}"`);
  return r.ETag!;
}

async function complete(key: string, uploadId: string, parts: { PartNumber: number; ETag: string }[]) {
  return await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
}

async function getBytes(key: string, extra: Record<string, unknown> = {}): Promise<Uint8Array> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }));
  return await got.Body!.transformToByteArray();
}

const uploadDir = (id: string) => bucketState(server.root, bucket, "uploads", id);

describe("a multipart upload", () => {
  test("three parts become one object: bytes, ETag, metadata and content headers from Create", async () => {
    const parts = [bytes(5 * MiB, 1), bytes(5 * MiB, 2), bytes(123_457, 3)];
    const id = await create("mp/three.bin", {
      ContentType: "application/x-three",
      ContentDisposition: "attachment",
      CacheControl: "max-age=60",
      Metadata: { color: "blue" },
    });
    const etags = [];
    for (const [i, p] of parts.entries()) etags.push(await put("mp/three.bin", id, i + 1, p));
    const done = await complete(
      "mp/three.bin",
      id,
      etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })),
    );
    expect(done.ETag).toBe(multipartEtag(parts));
    expect(done.Bucket).toBe(bucket);
    expect(done.Key).toBe("mp/three.bin");
    expect(done.Location).toContain(`/${bucket}/mp/three.bin`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "mp/three.bin" }));
    expect(head.ETag).toBe(multipartEtag(parts));
    expect(head.ContentLength).toBe(10 * MiB + 123_457);
    expect(head.ContentType).toBe("application/x-three");
    expect(head.ContentDisposition).toBe("attachment");
    expect(head.CacheControl).toBe("max-age=60");
    expect(head.Metadata).toEqual({ color: "blue" });
    expect(same(await getBytes("mp/three.bin"), Buffer.concat(parts))).toBe(true);
    expect(existsSync(uploadDir(id))).toBe(false);
    expect(readdirSync(bucketState(server.root, bucket, "completing"))).toEqual([]);
  });

  test("until Complete the key shows its old content; a re-sent part replaces the earlier one", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "mp/replace.bin", Body: "old content" }));
    const id = await create("mp/replace.bin");
    const first = bytes(5 * MiB, 10);
    await put("mp/replace.bin", id, 1, first);
    const second = bytes(5 * MiB, 11);
    const e1 = await put("mp/replace.bin", id, 1, second);
    const e2 = await put("mp/replace.bin", id, 2, bytes(10, 12));
    const parts = await s3.send(
      new ListPartsCommand({ Bucket: bucket, Key: "mp/replace.bin", UploadId: id }),
    );
    expect(parts.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
      [1, e1, 5 * MiB],
      [2, e2, 10],
    ]);
    expect(new TextDecoder().decode(await getBytes("mp/replace.bin"))).toBe("old content");
    // ETags are accepted without quotes too.
    await complete("mp/replace.bin", id, [
      { PartNumber: 1, ETag: e1.replaceAll('"', "") },
      { PartNumber: 2, ETag: e2 },
    ]);
    expect(same(await getBytes("mp/replace.bin"), Buffer.concat([second, bytes(10, 12)]))).toBe(true);
  });

  test("a single small part is a valid upload", async () => {
    const id = await create("mp/single.txt");
    const e = await put("mp/single.txt", id, 1, new TextEncoder().encode("tiny"));
    const done = await complete("mp/single.txt", id, [{ PartNumber: 1, ETag: e }]);
    expect(done.ETag).toBe(multipartEtag([new TextEncoder().encode("tiny")]));
    expect(new TextDecoder().decode(await getBytes("mp/single.txt"))).toBe("tiny");
  });

  test("Abort removes the upload and its parts at once", async () => {
    const id = await create("mp/aborted.bin");
    await put("mp/aborted.bin", id, 1, bytes(MiB, 4));
    expect(readdirSync(uploadDir(id)).sort()).toEqual(["part-00001", "upload.json"]);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "mp/aborted.bin", UploadId: id }));
    expect(existsSync(uploadDir(id))).toBe(false);
    expect(readdirSync(bucketState(server.root, bucket, "trash"))).toEqual([]);
    const again = await sdkFailure(
      s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "mp/aborted.bin", UploadId: id })),
    );
    expect(again.name).toBe("NoSuchUpload");
    const late = await sdkFailure(
      s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: "mp/aborted.bin",
          UploadId: id,
          PartNumber: 2,
          Body: "x",
        }),
      ),
    );
    expect(late.name).toBe("NoSuchUpload");
    expect((await signedFetch(server, objectPath(bucket, "mp/aborted.bin"), { method: "HEAD" })).status).toBe(
      404,
    );
  });
});

describe("errors", () => {
  test("EntityTooSmall: a part other than the last under 5 MiB; the upload stays usable", async () => {
    const id = await create("mp/small.bin");
    const e1 = await put("mp/small.bin", id, 1, bytes(MiB, 5));
    const e2 = await put("mp/small.bin", id, 2, bytes(MiB, 6));
    const failure = await sdkFailure(
      complete("mp/small.bin", id, [
        { PartNumber: 1, ETag: e1 },
        { PartNumber: 2, ETag: e2 },
      ]),
    );
    expect([failure.name, failure.status]).toEqual(["EntityTooSmall", 400]);
    expect((await signedFetch(server, objectPath(bucket, "mp/small.bin"), { method: "HEAD" })).status).toBe(
      404,
    );
    // Still there: listing, and completing with only the first part works.
    const listed = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: "mp/small.bin", UploadId: id }));
    expect(listed.Parts?.length).toBe(2);
    await complete("mp/small.bin", id, [{ PartNumber: 1, ETag: e1 }]);
    expect(same(await getBytes("mp/small.bin"), bytes(MiB, 5))).toBe(true);
  });

  test("InvalidPart: a missing part or a wrong ETag", async () => {
    const id = await create("mp/invalid.bin");
    const e1 = await put("mp/invalid.bin", id, 1, bytes(5 * MiB, 7));
    const missing = await sdkFailure(
      complete("mp/invalid.bin", id, [
        { PartNumber: 1, ETag: e1 },
        { PartNumber: 2, ETag: e1 },
      ]),
    );
    expect(missing.name).toBe("InvalidPart");
    const wrong = await sdkFailure(
      complete("mp/invalid.bin", id, [{ PartNumber: 1, ETag: `"${md5Hex("x")}"` }]),
    );
    expect(wrong.name).toBe("InvalidPart");
    await complete("mp/invalid.bin", id, [{ PartNumber: 1, ETag: e1 }]);
  });

  test("InvalidPartOrder, MalformedXML, and bad part numbers on UploadPart", async () => {
    const id = await create("mp/order.bin");
    const e1 = await put("mp/order.bin", id, 1, bytes(5 * MiB, 8));
    const e2 = await put("mp/order.bin", id, 2, bytes(100, 9));
    const order = await sdkFailure(
      complete("mp/order.bin", id, [
        { PartNumber: 2, ETag: e2 },
        { PartNumber: 1, ETag: e1 },
      ]),
    );
    expect(order.name).toBe("InvalidPartOrder");
    const empty = await sdkFailure(complete("mp/order.bin", id, []));
    expect(empty.name).toBe("MalformedXML");
    for (const n of ["0", "10001", "x"]) {
      const r = await signedFetch(server, objectPath(bucket, "mp/order.bin"), {
        method: "PUT",
        query: { partNumber: n, uploadId: id },
        body: "x",
      });
      expect([r.status, errorCodeOf(await r.text())]).toEqual([400, "InvalidArgument"]);
    }
  });

  test("NoSuchUpload: unknown, malformed, another key's, completed", async () => {
    const id = await create("mp/nosuch.bin");
    const other = await sdkFailure(
      s3.send(new ListPartsCommand({ Bucket: bucket, Key: "mp/other-key", UploadId: id })),
    );
    expect(other.name).toBe("NoSuchUpload");
    // Same shape as a real id but surely another one: the last character flipped between A and B.
    const sibling = `${id.slice(0, -1)}${id.endsWith("A") ? "B" : "A"}`;
    for (const bad of ["../../etc", sibling, "x".repeat(44), `${id}/..`, ""]) {
      const r = await signedFetch(server, objectPath(bucket, "mp/nosuch.bin"), {
        method: "PUT",
        query: { partNumber: "1", uploadId: bad },
        body: "data",
      });
      const text = await r.text();
      expect([bad, r.status, errorCodeOf(text)]).toEqual([bad, 404, "NoSuchUpload"]);
    }
    const r = await signedFetch(server, objectPath(bucket, "mp/nosuch.bin"), { query: { uploadId: "nope" } });
    const text = await r.text();
    expect([r.status, errorCodeOf(text), xmlValue(text, "UploadId")]).toEqual([404, "NoSuchUpload", "nope"]);
    const e = await put("mp/nosuch.bin", id, 1, bytes(10, 1));
    await complete("mp/nosuch.bin", id, [{ PartNumber: 1, ETag: e }]);
    // A completed upload takes no more parts (a repeated Complete is answered as the first was:
    // conformance-details.test.ts).
    const late = await sdkFailure(put("mp/nosuch.bin", id, 2, bytes(10, 2)));
    expect(late.name).toBe("NoSuchUpload");
  });

  test("Complete honours If-None-Match: * and If-Match, and the upload survives a failed condition", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "mp/cond.txt", Body: "existing" }));
    const id = await create("mp/cond.txt");
    const e = await put("mp/cond.txt", id, 1, new TextEncoder().encode("new"));
    const parts = [{ PartNumber: 1, ETag: e }];
    const input = { Bucket: bucket, Key: "mp/cond.txt", UploadId: id, MultipartUpload: { Parts: parts } };
    const exists = await sdkFailure(
      s3.send(new CompleteMultipartUploadCommand({ ...input, IfNoneMatch: "*" })),
    );
    expect([exists.name, exists.status]).toEqual(["PreconditionFailed", 412]);
    const mismatch = await sdkFailure(
      s3.send(new CompleteMultipartUploadCommand({ ...input, IfMatch: `"${md5Hex("other")}"` })),
    );
    expect(mismatch.status).toBe(412);
    expect(new TextDecoder().decode(await getBytes("mp/cond.txt"))).toBe("existing");
    await s3.send(new CompleteMultipartUploadCommand({ ...input, IfMatch: `"${md5Hex("existing")}"` }));
    expect(new TextDecoder().decode(await getBytes("mp/cond.txt"))).toBe("new");
  });
});

describe("listing", () => {
  test("ListParts pages with max-parts and part-number-marker", async () => {
    const id = await create("mp/list-parts.bin");
    const etags: string[] = [];
    for (let n = 1; n <= 7; n++) etags.push(await put("mp/list-parts.bin", id, n, bytes(100 + n, n)));
    const seen: number[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await s3.send(
        new ListPartsCommand({
          Bucket: bucket,
          Key: "mp/list-parts.bin",
          UploadId: id,
          MaxParts: 3,
          PartNumberMarker: marker,
        }),
      );
      seen.push(...(r.Parts ?? []).map((p) => p.PartNumber!));
      expect(r.MaxParts).toBe(3);
      if (!r.IsTruncated) break;
      marker = r.NextPartNumberMarker;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: "mp/list-parts.bin", UploadId: id }),
    );
  });

  test("ListMultipartUploads: sorted by key then initiation, prefix, delimiter, both markers", async () => {
    const listBucket = uniqueBucket("mpu-list");
    await s3.send(new CreateBucketCommand({ Bucket: listBucket }));
    const keys = ["b", "a/1", "a/2", "c", "b", "a+b", "d/x/y"];
    const ids: [string, string][] = [];
    for (const key of keys) {
      const r = await s3.send(new CreateMultipartUploadCommand({ Bucket: listBucket, Key: key }));
      ids.push([key, r.UploadId!]);
      await Bun.sleep(3);
    }
    const expected = [...ids].sort((x, y) =>
      x[0] === y[0] ? (x[1] < y[1] ? -1 : 1) : Buffer.compare(Buffer.from(x[0]), Buffer.from(y[0])),
    );
    const all = await s3.send(new ListMultipartUploadsCommand({ Bucket: listBucket }));
    expect(all.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual(expected);
    expect(all.Uploads?.[0]?.Initiated).toBeInstanceOf(Date);

    const paged: [string, string][] = [];
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await s3.send(
        new ListMultipartUploadsCommand({
          Bucket: listBucket,
          MaxUploads: 2,
          KeyMarker: keyMarker,
          UploadIdMarker: idMarker,
        }),
      );
      paged.push(...(r.Uploads ?? []).map((u): [string, string] => [u.Key!, u.UploadId!]));
      if (!r.IsTruncated) break;
      keyMarker = r.NextKeyMarker;
      idMarker = r.NextUploadIdMarker;
    }
    expect(paged).toEqual(expected);

    const grouped = await s3.send(new ListMultipartUploadsCommand({ Bucket: listBucket, Delimiter: "/" }));
    expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a/", "d/"]);
    expect(grouped.Uploads?.map((u) => u.Key)).toEqual(["a+b", "b", "b", "c"]);
    const prefixed = await s3.send(new ListMultipartUploadsCommand({ Bucket: listBucket, Prefix: "a/" }));
    expect(prefixed.Uploads?.map((u) => u.Key)).toEqual(["a/1", "a/2"]);
    const afterKey = await s3.send(new ListMultipartUploadsCommand({ Bucket: listBucket, KeyMarker: "b" }));
    expect(afterKey.Uploads?.map((u) => u.Key)).toEqual(["c", "d/x/y"]);
  });
});

describe("UploadPartCopy", () => {
  test("whole object and byte ranges, with copy-source conditions", async () => {
    const source = bytes(6 * MiB, 21);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "mp/copy-src.bin", Body: source }));
    const id = await create("mp/copy-dst.bin");
    const p1 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: "mp/copy-dst.bin",
        UploadId: id,
        PartNumber: 1,
        CopySource: `${bucket}/mp/copy-src.bin`,
        CopySourceIfMatch: `"${md5Hex(source)}"`,
      }),
    );
    expect(p1.CopyPartResult?.ETag).toBe(`"${md5Hex(source)}"`);
    expect(p1.CopyPartResult?.LastModified).toBeInstanceOf(Date);
    const p2 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: "mp/copy-dst.bin",
        UploadId: id,
        PartNumber: 2,
        CopySource: `${bucket}/mp/copy-src.bin`,
        CopySourceRange: "bytes=100-1099",
      }),
    );
    expect(p2.CopyPartResult?.ETag).toBe(`"${md5Hex(source.subarray(100, 1100))}"`);
    const failed = await sdkFailure(
      s3.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: "mp/copy-dst.bin",
          UploadId: id,
          PartNumber: 3,
          CopySource: `${bucket}/mp/copy-src.bin`,
          CopySourceIfNoneMatch: `"${md5Hex(source)}"`,
        }),
      ),
    );
    expect(failed.status).toBe(412);
    const outside = await sdkFailure(
      s3.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: "mp/copy-dst.bin",
          UploadId: id,
          PartNumber: 3,
          CopySource: `${bucket}/mp/copy-src.bin`,
          CopySourceRange: `bytes=0-${6 * MiB}`,
        }),
      ),
    );
    expect(outside.name).toBe("InvalidRange");
    await complete("mp/copy-dst.bin", id, [
      { PartNumber: 1, ETag: p1.CopyPartResult!.ETag! },
      { PartNumber: 2, ETag: p2.CopyPartResult!.ETag! },
    ]);
    const expected = Buffer.concat([source, source.subarray(100, 1100)]);
    expect(same(await getBytes("mp/copy-dst.bin"), expected)).toBe(true);
  });
});

describe("reading a multipart object", () => {
  const parts = [bytes(5 * MiB, 31), bytes(5 * MiB, 32), bytes(777, 33)];

  beforeAll(async () => {
    const id = await create("mp/read.bin", { ChecksumAlgorithm: "SHA256" });
    const etags = [];
    for (const [i, p] of parts.entries()) {
      etags.push(await put("mp/read.bin", id, i + 1, p, { ChecksumAlgorithm: "SHA256" }));
    }
    await complete(
      "mp/read.bin",
      id,
      etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })),
    );
  });

  test("GetObject and HeadObject with partNumber: the part's bytes, 206, x-amz-mp-parts-count", async () => {
    for (const [i, p] of parts.entries()) {
      const got = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: "mp/read.bin", PartNumber: i + 1 }),
      );
      expect(got.PartsCount).toBe(3);
      expect(got.ContentRange).toBe(`bytes ${i * 5 * MiB}-${i * 5 * MiB + p.length - 1}/${10 * MiB + 777}`);
      expect(got.ETag).toBe(multipartEtag(parts));
      expect(same(await got.Body!.transformToByteArray(), p)).toBe(true);
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: "mp/read.bin", PartNumber: i + 1 }),
      );
      expect([head.ContentLength, head.PartsCount]).toEqual([p.length, 3]);
    }
    const r = await signedFetch(server, objectPath(bucket, "mp/read.bin"), { query: { partNumber: "2" } });
    expect(r.status).toBe(206);
    expect(r.headers.get("content-range")).toBe(`bytes ${5 * MiB}-${10 * MiB - 1}/${10 * MiB + 777}`);
    await r.arrayBuffer();
    const beyond = await signedFetch(server, objectPath(bucket, "mp/read.bin"), {
      query: { partNumber: "4" },
    });
    expect([beyond.status, errorCodeOf(await beyond.text())]).toEqual([416, "InvalidPartNumber"]);
    const whole = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "mp/read.bin" }));
    expect(whole.PartsCount).toBeUndefined();
    expect(same(await whole.Body!.transformToByteArray(), Buffer.concat(parts))).toBe(true);
  });

  test("partNumber=1 of an ordinary object is the whole object", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "mp/plain.txt", Body: "plain body" }));
    const r = await signedFetch(server, objectPath(bucket, "mp/plain.txt"), { query: { partNumber: "1" } });
    expect([r.status, r.headers.get("content-range"), await r.text()]).toEqual([
      206,
      "bytes 0-9/10",
      "plain body",
    ]);
    const two = await signedFetch(server, objectPath(bucket, "mp/plain.txt"), {
      method: "HEAD",
      query: { partNumber: "2" },
    });
    expect(two.status).toBe(416);
  });

  test("GetObjectAttributes: ETag, Checksum, ObjectParts (paged), StorageClass, ObjectSize", async () => {
    const attrs = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: "mp/read.bin",
        ObjectAttributes: ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"],
        MaxParts: 2,
      }),
    );
    expect(attrs.ETag).toBe(multipartEtag(parts).replaceAll('"', ""));
    expect(attrs.ObjectSize).toBe(10 * MiB + 777);
    expect(attrs.StorageClass).toBe("STANDARD");
    expect(attrs.Checksum?.ChecksumType).toBe("COMPOSITE");
    expect(attrs.Checksum?.ChecksumSHA256).toMatch(/-3$/);
    expect(attrs.ObjectParts?.TotalPartsCount).toBe(3);
    expect(attrs.ObjectParts?.IsTruncated).toBe(true);
    const sha = (d: Uint8Array) => new Bun.CryptoHasher("sha256").update(d).digest("base64");
    expect(attrs.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumSHA256])).toEqual([
      [1, 5 * MiB, sha(parts[0]!)],
      [2, 5 * MiB, sha(parts[1]!)],
    ]);
    const rest = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: "mp/read.bin",
        ObjectAttributes: ["ObjectParts"],
        PartNumberMarker: attrs.ObjectParts?.NextPartNumberMarker,
      }),
    );
    expect(rest.ObjectParts?.Parts?.map((p) => p.PartNumber)).toEqual([3]);
    expect(rest.ObjectParts?.IsTruncated).toBe(false);
    const plain = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: "mp/plain.txt",
        ObjectAttributes: ["ETag", "ObjectSize"],
      }),
    );
    expect([plain.ETag, plain.ObjectSize, plain.ObjectParts]).toEqual([md5Hex("plain body"), 10, undefined]);
    const none = await signedFetch(server, objectPath(bucket, "mp/plain.txt"), { query: { attributes: "" } });
    expect([none.status, errorCodeOf(await none.text())]).toEqual([400, "InvalidArgument"]);
  });

  test("CopyObject of a multipart object: a single-part copy with a whole-object checksum", async () => {
    await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "mp/read-copy.bin", CopySource: `${bucket}/mp/read.bin` }),
    );
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: "mp/read-copy.bin", ChecksumMode: "ENABLED" }),
    );
    const whole = Buffer.concat(parts);
    expect(head.ETag).toBe(`"${md5Hex(whole)}"`);
    expect(head.ChecksumSHA256).toBe(new Bun.CryptoHasher("sha256").update(whole).digest("base64"));
    expect(head.ChecksumType).toBe("FULL_OBJECT");
    const part = await signedFetch(server, objectPath(bucket, "mp/read-copy.bin"), {
      method: "HEAD",
      query: { partNumber: "2" },
    });
    expect(part.status).toBe(416);
  });

  test("ListParts XML carries the upload's checksum algorithm and type", async () => {
    const id = await create("mp/xml.bin", { ChecksumAlgorithm: "CRC32" });
    await put("mp/xml.bin", id, 1, new TextEncoder().encode("abc"));
    const r = await signedFetch(server, objectPath(bucket, "mp/xml.bin"), { query: { uploadId: id } });
    const xml = await r.text();
    expect(xmlValue(xml, "ChecksumAlgorithm")).toBe("CRC32");
    expect(xmlValue(xml, "ChecksumType")).toBe("COMPOSITE");
    expect(xmlValues(xml, "ChecksumCRC32")).toEqual(["NSRBwg=="]);
    expect(xmlValue(xml, "StorageClass")).toBe("STANDARD");
  });
});
