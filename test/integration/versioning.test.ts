/**
 * Versioning through the AWS SDK and raw requests: bucket state, the version life cycle,
 * delete markers, suspended buckets, version ids on every call that takes one, and the S3
 * errors and headers of each case.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import {
  errorCodeOf,
  md5Base64,
  newCustomerKey,
  objectPath,
  s3Client,
  sdkFailure,
  signedFetch,
  startServer,
  type TestServer,
  uniqueBucket,
  waitFor,
  xmlValue,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

let server: TestServer;
let s3: S3Client;

beforeAll(async () => {
  server = await startServer({ args: ["--allow-sse-c-over-http", "on"] });
  s3 = s3Client(server);
});
afterAll(async () => {
  s3?.destroy();
  await server?.stop();
});

async function versionedBucket(prefix: string, status: "Enabled" | "Suspended" = "Enabled") {
  const bucket = uniqueBucket(prefix);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: status } }),
  );
  return bucket;
}

async function text(bucket: string, key: string, versionId?: string) {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return { body: await got.Body!.transformToString(), versionId: got.VersionId };
}

function versioningXml(body: string): string {
  return `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${body}</VersioningConfiguration>`;
}

async function putVersioningRaw(bucket: string, body: string, headers: Record<string, string> = {}) {
  return await signedFetch(server, `/${bucket}`, {
    method: "PUT",
    query: "versioning",
    body,
    headers: { "content-md5": md5Base64(body), ...headers },
  });
}

describe("PutBucketVersioning / GetBucketVersioning", () => {
  test("a new bucket answers an empty configuration; Enabled and Suspended read back", async () => {
    const bucket = uniqueBucket("vstate");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const raw = await signedFetch(server, `/${bucket}`, { query: "versioning" });
    expect(raw.status).toBe(200);
    const xml = await raw.text();
    expect(xml).toContain("<VersioningConfiguration");
    expect(xml).not.toContain("<Status>");
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBeUndefined();

    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } }),
    );
    const suspended = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    expect(suspended.Status).toBe("Suspended");
    expect(suspended.MFADelete).toBeUndefined();
  });

  test("MFA Delete is refused with 501 and a message that says so; MfaDelete Disabled is accepted", async () => {
    const bucket = uniqueBucket("vmfa");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const mfa = await sdkFailure(
      s3.send(
        new PutBucketVersioningCommand({
          Bucket: bucket,
          VersioningConfiguration: { Status: "Enabled", MFADelete: "Enabled" },
        }),
      ),
    );
    expect(mfa.status).toBe(501);
    expect(mfa.name).toBe("NotImplemented");
    expect(mfa.message).toContain("MFA Delete");
    const header = await putVersioningRaw(bucket, versioningXml("<Status>Enabled</Status>"), {
      "x-amz-mfa": "arn:aws:iam::123456789012:mfa/root 123456",
    });
    expect(header.status).toBe(501);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBeUndefined();

    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: bucket,
        VersioningConfiguration: { Status: "Enabled", MFADelete: "Disabled" },
      }),
    );
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
  });

  test("an unknown status or another document is MalformedXML; a missing bucket NoSuchBucket", async () => {
    const bucket = uniqueBucket("vbad");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const bad = await putVersioningRaw(bucket, versioningXml("<Status>On</Status>"));
    expect(bad.status).toBe(400);
    expect(errorCodeOf(await bad.text())).toBe("MalformedXML");
    const other = await putVersioningRaw(bucket, "<Foo><Status>Enabled</Status></Foo>");
    expect(errorCodeOf(await other.text())).toBe("MalformedXML");
    const missing = await sdkFailure(
      s3.send(
        new PutBucketVersioningCommand({
          Bucket: uniqueBucket("vnone"),
          VersioningConfiguration: { Status: "Enabled" },
        }),
      ),
    );
    expect(missing.name).toBe("NoSuchBucket");
  });
});

describe("the version life cycle", () => {
  test("each PUT is a version; GET and HEAD read any of them by id; responses carry x-amz-version-id", async () => {
    const bucket = await versionedBucket("vlife");
    const v1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "doc.txt", Body: "one" }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "doc.txt", Body: "two" }));
    expect(v1.VersionId).toMatch(/^[0-9a-z]{29}$/);
    expect(v2.VersionId).toMatch(/^[0-9a-z]{29}$/);
    expect(v2.VersionId! > v1.VersionId!).toBe(true);

    expect(await text(bucket, "doc.txt")).toEqual({ body: "two", versionId: v2.VersionId });
    expect(await text(bucket, "doc.txt", v1.VersionId)).toEqual({ body: "one", versionId: v1.VersionId });
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: "doc.txt", VersionId: v1.VersionId }),
    );
    expect(head.VersionId).toBe(v1.VersionId);
    expect(head.ContentLength).toBe(3);

    const attrs = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: "doc.txt",
        VersionId: v1.VersionId,
        ObjectAttributes: ["ObjectSize", "ETag"],
      }),
    );
    expect(attrs.VersionId).toBe(v1.VersionId);
    expect(attrs.ObjectSize).toBe(3);

    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size])).toEqual([
      ["doc.txt", v2.VersionId, true, 3],
      ["doc.txt", v1.VersionId, false, 3],
    ]);
    expect(listed.DeleteMarkers).toBeUndefined();
  });

  test("a DELETE makes a delete marker; reading it is 404 (no id) or 405 (by id) with the marker headers", async () => {
    const bucket = await versionedBucket("vmarker");
    const v1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "data" }));
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
    expect(deleted.DeleteMarker).toBe(true);
    expect(deleted.VersionId).toMatch(/^[0-9a-z]{29}$/);
    const marker = deleted.VersionId!;

    const current = await signedFetch(server, objectPath(bucket, "k"));
    expect(current.status).toBe(404);
    expect(errorCodeOf(await current.text())).toBe("NoSuchKey");
    expect(current.headers.get("x-amz-delete-marker")).toBe("true");
    expect(current.headers.get("x-amz-version-id")).toBe(marker);

    const byId = await signedFetch(server, objectPath(bucket, "k"), { query: `versionId=${marker}` });
    expect(byId.status).toBe(405);
    const xml = await byId.text();
    expect(errorCodeOf(xml)).toBe("MethodNotAllowed");
    expect(xmlValue(xml, "ResourceType")).toBe("DeleteMarker");
    expect(xmlValue(xml, "Method")).toBe("GET");
    expect(byId.headers.get("x-amz-delete-marker")).toBe("true");
    expect(byId.headers.get("x-amz-version-id")).toBe(marker);
    expect(byId.headers.get("last-modified")).toBeTruthy();

    const headById = await signedFetch(server, objectPath(bucket, "k"), {
      method: "HEAD",
      query: `versionId=${marker}`,
    });
    expect(headById.status).toBe(405);
    expect(headById.headers.get("x-amz-delete-marker")).toBe("true");

    // The old version is still there, and removing the marker makes it current again.
    expect((await text(bucket, "k", v1.VersionId)).body).toBe("data");
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.DeleteMarkers?.map((m) => [m.Key, m.VersionId, m.IsLatest])).toEqual([["k", marker, true]]);
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([[v1.VersionId, false]]);

    const removed = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: marker }));
    expect(removed.DeleteMarker).toBe(true);
    expect(removed.VersionId).toBe(marker);
    expect(await text(bucket, "k")).toEqual({ body: "data", versionId: v1.VersionId });
  });

  test("deleting the current version by id makes the previous one current", async () => {
    const bucket = await versionedBucket("vrestore");
    const v1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a/b.txt", Body: "first" }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a/b.txt", Body: "second" }));
    const removed = await s3.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: "a/b.txt", VersionId: v2.VersionId }),
    );
    expect(removed.VersionId).toBe(v2.VersionId);
    expect(removed.DeleteMarker).toBeUndefined();
    expect(await text(bucket, "a/b.txt")).toEqual({ body: "first", versionId: v1.VersionId });
    const gone = await sdkFailure(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a/b.txt", VersionId: v2.VersionId })),
    );
    expect(gone.status).toBe(404);
    expect(gone.name).toBe("NoSuchVersion");
  });

  test("unknown and malformed version ids: NoSuchVersion 404, InvalidArgument 400, empty id 400", async () => {
    const bucket = await versionedBucket("vids");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x" }));
    const unknown = await signedFetch(server, objectPath(bucket, "k"), {
      query: "versionId=0000000000000zzzzzzzzzzzzzzzz",
    });
    expect(unknown.status).toBe(404);
    const unknownXml = await unknown.text();
    expect(errorCodeOf(unknownXml)).toBe("NoSuchVersion");
    expect(xmlValue(unknownXml, "VersionId")).toBe("0000000000000zzzzzzzzzzzzzzzz");
    expect(xmlValue(unknownXml, "Key")).toBe("k");

    const malformed = await signedFetch(server, objectPath(bucket, "k"), { query: "versionId=not-an-id" });
    expect(malformed.status).toBe(400);
    const malformedXml = await malformed.text();
    expect(errorCodeOf(malformedXml)).toBe("InvalidArgument");
    expect(xmlValue(malformedXml, "ArgumentName")).toBe("versionId");

    const empty = await signedFetch(server, objectPath(bucket, "k"), { query: "versionId=" });
    expect(empty.status).toBe(400);
    expect(errorCodeOf(await empty.text())).toBe("InvalidArgument");

    const deleteMalformed = await signedFetch(server, objectPath(bucket, "k"), {
      method: "DELETE",
      query: "versionId=not-an-id",
    });
    expect(deleteMalformed.status).toBe(400);
  });

  test("an unversioned bucket: no version headers, versionId=null reads the object", async () => {
    const bucket = uniqueBucket("vnone");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const put = await signedFetch(server, objectPath(bucket, "k"), { method: "PUT", body: "plain" });
    expect(put.status).toBe(200);
    expect(put.headers.get("x-amz-version-id")).toBeNull();
    const get = await signedFetch(server, objectPath(bucket, "k"));
    expect(get.headers.get("x-amz-version-id")).toBeNull();
    expect(await get.text()).toBe("plain");
    expect((await text(bucket, "k", "null")).body).toBe("plain");
    const del = await signedFetch(server, objectPath(bucket, "k"), { method: "DELETE" });
    expect(del.status).toBe(204);
    expect(del.headers.get("x-amz-version-id")).toBeNull();
    expect(del.headers.get("x-amz-delete-marker")).toBeNull();
  });
});

describe("suspended buckets", () => {
  test("writes replace the null version and keep the versions made while enabled", async () => {
    const bucket = await versionedBucket("vsusp");
    const v1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "enabled" }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } }),
    );
    // As AWS's "versioning suspended" sample response: a write of the null version names no version.
    const n1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "null one" }));
    expect(n1.VersionId).toBeUndefined();
    const n2 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "null two" }));
    expect(n2.VersionId).toBeUndefined();
    expect(await text(bucket, "k")).toEqual({ body: "null two", versionId: "null" });
    expect((await text(bucket, "k", v1.VersionId)).body).toBe("enabled");
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      ["null", true],
      [v1.VersionId, false],
    ]);

    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
    expect(deleted.DeleteMarker).toBe(true);
    expect(deleted.VersionId).toBe("null");
    const after = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(after.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([["null", true]]);
    expect(after.Versions?.map((v) => v.VersionId)).toEqual([v1.VersionId]);
  });

  test("a copy and a completed upload written as the null version name no version either", async () => {
    const bucket = await versionedBucket("vsuspw", "Suspended");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src", Body: "source" }));
    const copied = await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "copy", CopySource: `${bucket}/src` }),
    );
    expect(copied.VersionId).toBeUndefined();
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp" }));
    const part = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: "mp", UploadId, PartNumber: 1, Body: "one part" }),
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "mp",
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    expect(done.VersionId).toBeUndefined();
    expect(await text(bucket, "mp")).toEqual({ body: "one part", versionId: "null" });
    expect(await text(bucket, "copy")).toEqual({ body: "source", versionId: "null" });
  });
});

describe("copies, multipart and batches in a versioned bucket", () => {
  test("CopyObject from a version: x-amz-copy-source-version-id and a new version id", async () => {
    const bucket = await versionedBucket("vcopy");
    const v1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src", Body: "old" }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src", Body: "new" }));
    const copied = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "dst",
        CopySource: `${bucket}/src?versionId=${v1.VersionId}`,
      }),
    );
    expect(copied.CopySourceVersionId).toBe(v1.VersionId);
    expect(copied.VersionId).toMatch(/^[0-9a-z]{29}$/);
    expect(await text(bucket, "dst")).toEqual({ body: "old", versionId: copied.VersionId });

    // Restoring an old version onto its own key is a copy S3 allows.
    const restored = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "src",
        CopySource: `${bucket}/src?versionId=${v1.VersionId}`,
      }),
    );
    expect(await text(bucket, "src")).toEqual({ body: "old", versionId: restored.VersionId });

    const marker = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "src" }));
    const fromMarker = await sdkFailure(
      s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: "dst2",
          CopySource: `${bucket}/src?versionId=${marker.VersionId}`,
        }),
      ),
    );
    expect(fromMarker.status).toBe(400);
    expect(fromMarker.name).toBe("InvalidRequest");
    const fromDeleted = await sdkFailure(
      s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst2", CopySource: `${bucket}/src` })),
    );
    expect(fromDeleted.status).toBe(404);
    expect(fromDeleted.name).toBe("NoSuchKey");
  });

  test("CompleteMultipartUpload answers the new version's id", async () => {
    const bucket = await versionedBucket("vmpu");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "big", Body: "before" }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "big" }));
    const part = await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: "big", UploadId, PartNumber: 1, Body: "after" }),
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "big",
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    expect(done.VersionId).toMatch(/^[0-9a-z]{29}$/);
    expect(await text(bucket, "big")).toEqual({ body: "after", versionId: done.VersionId });
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.Versions?.length).toBe(2);
  });

  test("DeleteObjects with and without VersionId reports versions and markers as S3 does", async () => {
    const bucket = await versionedBucket("vbatch");
    const a1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a", Body: "a1" }));
    const a2 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a", Body: "a2" }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "b", Body: "b1" }));
    const result = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: {
          Objects: [{ Key: "a", VersionId: a2.VersionId }, { Key: "b" }, { Key: "c", VersionId: "bad-id" }],
        },
      }),
    );
    const deleted = result.Deleted ?? [];
    expect(deleted.find((d) => d.Key === "a")).toEqual({ Key: "a", VersionId: a2.VersionId });
    const b = deleted.find((d) => d.Key === "b")!;
    expect(b.DeleteMarker).toBe(true);
    expect(b.DeleteMarkerVersionId).toMatch(/^[0-9a-z]{29}$/);
    expect(result.Errors?.map((e) => [e.Key, e.VersionId, e.Code])).toEqual([
      ["c", "bad-id", "InvalidArgument"],
    ]);
    expect(await text(bucket, "a")).toEqual({ body: "a1", versionId: a1.VersionId });

    const markers = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: "b", VersionId: b.DeleteMarkerVersionId }] },
      }),
    );
    expect(markers.Deleted).toEqual([
      {
        Key: "b",
        VersionId: b.DeleteMarkerVersionId,
        DeleteMarker: true,
        DeleteMarkerVersionId: b.DeleteMarkerVersionId,
      },
    ]);
    expect((await text(bucket, "b")).body).toBe("b1");
  });
});

describe("encrypted versions", () => {
  test("each SSE-C version reads with its own key; an SSE-S3 version beside them reads without one", async () => {
    const bucket = await versionedBucket("vsse");
    const keyA = newCustomerKey();
    const keyB = newCustomerKey();
    const a = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "s", Body: "sealed a", ...keyA.params }),
    );
    const b = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "s", Body: "sealed b", ...keyB.params }),
    );
    const c = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "s", Body: "sse-s3", ServerSideEncryption: "AES256" }),
    );
    const read = async (versionId: string, params = {}) => {
      const got = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: "s", VersionId: versionId, ...params }),
      );
      return await got.Body!.transformToString();
    };
    expect(await read(a.VersionId!, keyA.params)).toBe("sealed a");
    expect(await read(b.VersionId!, keyB.params)).toBe("sealed b");
    expect(await read(c.VersionId!)).toBe("sse-s3");
    const wrongKey = await sdkFailure(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: "s", VersionId: a.VersionId, ...keyB.params })),
    );
    expect(wrongKey.status).toBe(403);
    const noKey = await sdkFailure(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: "s", VersionId: a.VersionId })),
    );
    expect(noKey.status).toBe(400);
  });
});

describe("ListObjectVersions", () => {
  test("prefix, delimiter, markers and max-keys page through versions and markers in S3 order", async () => {
    const bucket = await versionedBucket("vlist");
    const ids: Record<string, string[]> = {};
    for (const key of ["a", "b/1", "b/2", "c"]) {
      for (const n of [1, 2]) {
        const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${key}${n}` }));
        ids[key] = [put.VersionId!, ...(ids[key] ?? [])];
      }
    }
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "c" }));
    ids.c!.unshift(marker.VersionId!);

    // Every entry, two a page, resumed with NextKeyMarker / NextVersionIdMarker.
    const seen: string[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await s3.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          MaxKeys: 2,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
        }),
      );
      const entries = [
        ...(r.Versions ?? []).map((v) => ({ key: v.Key!, id: v.VersionId!, latest: v.IsLatest! })),
        ...(r.DeleteMarkers ?? []).map((m) => ({ key: m.Key!, id: m.VersionId!, latest: m.IsLatest! })),
      ];
      expect(entries.length).toBeLessThanOrEqual(2);
      // The SDK splits the two lists; the order in each list is the page's order.
      for (const e of entries) seen.push(`${e.key}@${e.id}${e.latest ? "*" : ""}`);
      if (!r.IsTruncated) break;
      keyMarker = r.NextKeyMarker;
      versionIdMarker = r.NextVersionIdMarker;
      expect(keyMarker).toBeTruthy();
    }
    const expected = ["a", "b/1", "b/2", "c"].flatMap((key) =>
      ids[key]!.map((id, i) => `${key}@${id}${i === 0 ? "*" : ""}`),
    );
    expect(seen.sort()).toEqual([...expected].sort());

    const grouped = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Delimiter: "/" }));
    expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["b/"]);
    expect(grouped.Versions?.map((v) => v.Key)).toEqual(["a", "a", "c", "c"]);
    expect(grouped.DeleteMarkers?.map((m) => m.Key)).toEqual(["c"]);

    const prefixed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: "b/" }));
    expect(prefixed.Versions?.map((v) => v.VersionId)).toEqual([...ids["b/1"]!, ...ids["b/2"]!]);
  });

  test("the XML interleaves Version and DeleteMarker elements in key order, newest first", async () => {
    const bucket = await versionedBucket("vxml");
    const v1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "1" }));
    const m = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
    const v3 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "3" }));
    const res = await signedFetch(server, `/${bucket}`, { query: "versions=&max-keys=2" });
    const xml = await res.text();
    const order = [
      ...xml.matchAll(/<(Version|DeleteMarker)><Key>k<\/Key><VersionId>([^<]+)<\/VersionId><IsLatest>(\w+)/g),
    ].map((x) => [x[1], x[2], x[3]]);
    expect(order).toEqual([
      ["Version", v3.VersionId, "true"],
      ["DeleteMarker", m.VersionId, "false"],
    ]);
    expect(xmlValue(xml, "IsTruncated")).toBe("true");
    expect(xmlValue(xml, "NextKeyMarker")).toBe("k");
    expect(xmlValue(xml, "NextVersionIdMarker")).toBe(m.VersionId);
    const rest = await signedFetch(server, `/${bucket}`, {
      query: `versions=&key-marker=k&version-id-marker=${m.VersionId}`,
    });
    const restXml = await rest.text();
    expect(xmlValue(restXml, "VersionIdMarker")).toBe(m.VersionId);
    expect(restXml).toContain(`<VersionId>${v1.VersionId}</VersionId>`);
    expect(xmlValue(restXml, "IsTruncated")).toBe("false");
  });

  test("encoding-type=url encodes keys; a version-id-marker needs a key-marker; bad markers are 400", async () => {
    const bucket = await versionedBucket("venc");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a b+c", Body: "1" }));
    const encoded = await signedFetch(server, `/${bucket}`, { query: "versions=&encoding-type=url" });
    const xml = await encoded.text();
    expect(xml).toContain("<Key>a%20b%2Bc</Key>");
    expect(xml).toContain("<EncodingType>url</EncodingType>");

    const noKey = await signedFetch(server, `/${bucket}`, { query: "versions=&version-id-marker=null" });
    expect(noKey.status).toBe(400);
    const noKeyXml = await noKey.text();
    expect(errorCodeOf(noKeyXml)).toBe("InvalidArgument");
    expect(xmlValue(noKeyXml, "Message")).toBe(
      "A version-id marker cannot be specified without a key marker.",
    );
    const bad = await signedFetch(server, `/${bucket}`, {
      query: "versions=&key-marker=a&version-id-marker=zz",
    });
    expect(bad.status).toBe(400);
    expect(errorCodeOf(await bad.text())).toBe("InvalidArgument");
  });
});

describe("the access log", () => {
  test("entries carry the version id written, read or deleted", async () => {
    const bucket = await versionedBucket("vlog");
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "logged", Body: "x" }));
    await text(bucket, "logged", put.VersionId);
    const del = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "logged" }));
    const logged = () => server.accessLog().filter((e) => e.bucket === bucket && e.key === "logged");
    expect(await waitFor(() => logged().length >= 3)).toBe(true);
    const entries = logged();
    expect(entries.map((e) => [e.operation, e.versionId])).toEqual([
      ["PutObject", put.VersionId],
      ["GetObject", put.VersionId],
      ["DeleteObject", del.VersionId],
    ]);
    expect(entries[2]!.responseHeaders).toMatchObject({ "x-amz-delete-marker": "true" });
  });
});
