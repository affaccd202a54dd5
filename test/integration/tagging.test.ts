/**
 * Object and bucket tags through the AWS SDK and raw requests: x-amz-tagging on PutObject,
 * CreateMultipartUpload and CopyObject (tagging directive), Put/Get/DeleteObjectTagging with
 * versions, x-amz-tagging-count, Put/Get/DeleteBucketTagging, and S3's limits and errors.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectTaggingCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type Tag,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { errorCodeOf, s3dirCli, sdkFailure, signedFetch, uniqueBucket, useHost } from "../helpers/index.ts";

setDefaultTimeout(60_000);

const host = useHost({ bucket: "tags" });
const { bucket } = host;

const tagsOf = async (key: string, versionId?: string) =>
  (await host.s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key, VersionId: versionId })))
    .TagSet;

const putTags = (key: string, TagSet: Tag[], versionId?: string) =>
  host.s3.send(
    new PutObjectTaggingCommand({ Bucket: bucket, Key: key, VersionId: versionId, Tagging: { TagSet } }),
  );

describe("object tags", () => {
  test("x-amz-tagging on PutObject is kept: GetObjectTagging, x-amz-tagging-count on GET and HEAD", async () => {
    await host.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "put",
        Body: "data",
        Tagging: "project=blue&team=a%20b&empty=",
      }),
    );
    expect(await tagsOf("put")).toEqual([
      { Key: "project", Value: "blue" },
      { Key: "team", Value: "a b" },
      { Key: "empty", Value: "" },
    ]);
    const head = await host.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "put" }));
    expect(head.$metadata.httpStatusCode).toBe(200);
    const get = await host.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "put" }));
    expect(get.TagCount).toBe(3);
    await get.Body?.transformToString();
    await host.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "plain", Body: "data" }));
    expect(
      (await host.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "plain" }))).TagCount,
    ).toBeUndefined();
    expect(await tagsOf("plain")).toEqual([]);
    const raw = await signedFetch(host.server, `/${bucket}/put`, { method: "HEAD" });
    expect(raw.headers.get("x-amz-tagging-count")).toBe("3");
  });

  test("PutObjectTagging replaces, DeleteObjectTagging removes (204), the object stays", async () => {
    await host.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "edit", Body: "data", Tagging: "a=1" }));
    await putTags("edit", [
      { Key: "é/ü:x", Value: "+-=._:/@ v" },
      { Key: "b", Value: "2" },
    ]);
    expect(await tagsOf("edit")).toEqual([
      { Key: "é/ü:x", Value: "+-=._:/@ v" },
      { Key: "b", Value: "2" },
    ]);
    const del = await host.s3.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: "edit" }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    expect(await tagsOf("edit")).toEqual([]);
    const get = await host.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "edit" }));
    expect(await get.Body?.transformToString()).toBe("data");
  });

  test("limits and errors as S3 answers them", async () => {
    await host.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "lim", Body: "data" }));
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    const cases: [Tag[], string, number][] = [
      [eleven, "BadRequest", 400],
      [[{ Key: "k".repeat(129), Value: "v" }], "InvalidTag", 400],
      [[{ Key: "k", Value: "v".repeat(257) }], "InvalidTag", 400],
      [[{ Key: "", Value: "v" }], "InvalidTag", 400],
      [[{ Key: "a*b", Value: "v" }], "InvalidTag", 400],
      [[{ Key: "k", Value: "v#" }], "InvalidTag", 400],
      [
        [
          { Key: "k", Value: "1" },
          { Key: "k", Value: "2" },
        ],
        "InvalidTag",
        400,
      ],
    ];
    for (const [set, code, status] of cases) {
      const e = await sdkFailure(putTags("lim", set));
      expect([e.name, e.status]).toEqual([code, status]);
    }
    // 128 and 256 characters (not bytes) are allowed.
    const long = [{ Key: "é".repeat(128), Value: "ü".repeat(256) }];
    await putTags("lim", long);
    expect(await tagsOf("lim")).toEqual(long);
    const dup = await sdkFailure(
      host.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "dup", Body: "x", Tagging: "a=1&a=2" })),
    );
    expect([dup.name, dup.status]).toEqual(["InvalidArgument", 400]);
    const many = await sdkFailure(
      host.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: "many",
          Body: "x",
          Tagging: eleven.map((t) => `${t.Key}=v`).join("&"),
        }),
      ),
    );
    expect([many.name, many.status]).toEqual(["BadRequest", 400]);
    const missing = await sdkFailure(tagsOf("missing"));
    expect([missing.name, missing.status]).toEqual(["NoSuchKey", 404]);
    const malformed = await signedFetch(host.server, `/${bucket}/lim`, {
      method: "PUT",
      query: { tagging: "" },
      body: "<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>",
    });
    expect([malformed.status, errorCodeOf(await malformed.text())]).toEqual([400, "MalformedXML"]);
  });

  test("CopyObject: the source's tags by default (also with metadata REPLACE), x-amz-tagging with REPLACE", async () => {
    await host.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src", Body: "data", Tagging: "a=1" }));
    const copy = (Key: string, extra: Record<string, string> = {}) =>
      host.s3.send(new CopyObjectCommand({ Bucket: bucket, Key, CopySource: `${bucket}/src`, ...extra }));
    await copy("c-default");
    expect(await tagsOf("c-default")).toEqual([{ Key: "a", Value: "1" }]);
    await copy("c-meta", { MetadataDirective: "REPLACE", Tagging: "ignored=1" });
    expect(await tagsOf("c-meta")).toEqual([{ Key: "a", Value: "1" }]);
    await copy("c-replace", { TaggingDirective: "REPLACE", Tagging: "b=2" });
    expect(await tagsOf("c-replace")).toEqual([{ Key: "b", Value: "2" }]);
    await copy("c-none", { TaggingDirective: "REPLACE" });
    expect(await tagsOf("c-none")).toEqual([]);
    const bad = await sdkFailure(copy("c-bad", { TaggingDirective: "MERGE" }));
    expect([bad.name, bad.status]).toEqual(["InvalidArgument", 400]);
  });

  test("CreateMultipartUpload: the tags are applied at completion", async () => {
    const { UploadId } = await host.s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp", Tagging: "stage=raw" }),
    );
    const part = await host.s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: "mp", UploadId, PartNumber: 1, Body: "part" }),
    );
    await host.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "mp",
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    expect(await tagsOf("mp")).toEqual([{ Key: "stage", Value: "raw" }]);
  });

  test("versions: each its own tags, versionId on the calls, x-amz-version-id in the answers", async () => {
    const vb = uniqueBucket("tagv");
    await host.s3.send(new CreateBucketCommand({ Bucket: vb }));
    await host.s3.send(
      new PutBucketVersioningCommand({ Bucket: vb, VersioningConfiguration: { Status: "Enabled" } }),
    );
    const v1 = (await host.s3.send(new PutObjectCommand({ Bucket: vb, Key: "k", Body: "1", Tagging: "v=1" })))
      .VersionId!;
    const v2 = (await host.s3.send(new PutObjectCommand({ Bucket: vb, Key: "k", Body: "2" }))).VersionId!;
    const current = await host.s3.send(new GetObjectTaggingCommand({ Bucket: vb, Key: "k" }));
    expect([current.VersionId, current.TagSet]).toEqual([v2, []]);
    const old = await host.s3.send(new GetObjectTaggingCommand({ Bucket: vb, Key: "k", VersionId: v1 }));
    expect([old.VersionId, old.TagSet]).toEqual([v1, [{ Key: "v", Value: "1" }]]);
    const put = await host.s3.send(
      new PutObjectTaggingCommand({
        Bucket: vb,
        Key: "k",
        VersionId: v1,
        Tagging: { TagSet: [{ Key: "x", Value: "y" }] },
      }),
    );
    expect(put.VersionId).toBe(v1);
    expect(
      (await host.s3.send(new GetObjectTaggingCommand({ Bucket: vb, Key: "k", VersionId: v1 }))).TagSet,
    ).toEqual([{ Key: "x", Value: "y" }]);
    expect(
      (await host.s3.send(new HeadObjectCommand({ Bucket: vb, Key: "k", VersionId: v1 }))).$metadata
        .httpStatusCode,
    ).toBe(200);
    const del = await host.s3.send(new DeleteObjectTaggingCommand({ Bucket: vb, Key: "k", VersionId: v1 }));
    expect(del.VersionId).toBe(v1);
    const nov = await sdkFailure(
      host.s3.send(new GetObjectTaggingCommand({ Bucket: vb, Key: "k", VersionId: "nope" })),
    );
    expect(nov.status).toBe(400);
  });
});

test("master key rotation keeps an encrypted object's tags", async () => {
  await host.s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: "sealed",
      Body: "secret",
      ServerSideEncryption: "AES256",
      Tagging: "k=v",
    }),
  );
  const rotated = await s3dirCli(host.server.root, "master-key", "rotate", "--json");
  expect(rotated.code).toBe(0);
  expect((JSON.parse(rotated.stdout) as { rewrapped: number }).rewrapped).toBeGreaterThan(0);
  expect(await tagsOf("sealed")).toEqual([{ Key: "k", Value: "v" }]);
  const get = await host.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "sealed" }));
  expect([await get.Body?.transformToString(), get.TagCount]).toEqual(["secret", 1]);
});

describe("bucket tags", () => {
  test("Put/Get/DeleteBucketTagging; NoSuchTagSet without tags; at most 50", async () => {
    const bb = uniqueBucket("tagb");
    await host.s3.send(new CreateBucketCommand({ Bucket: bb }));
    const none = await sdkFailure(host.s3.send(new GetBucketTaggingCommand({ Bucket: bb })));
    expect([none.name, none.status]).toEqual(["NoSuchTagSet", 404]);
    const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: `v${i}` }));
    const put = await host.s3.send(new PutBucketTaggingCommand({ Bucket: bb, Tagging: { TagSet: fifty } }));
    expect(put.$metadata.httpStatusCode).toBe(204);
    expect((await host.s3.send(new GetBucketTaggingCommand({ Bucket: bb }))).TagSet).toEqual(fifty);
    const over = await sdkFailure(
      host.s3.send(
        new PutBucketTaggingCommand({
          Bucket: bb,
          Tagging: { TagSet: [...fifty, { Key: "one", Value: "more" }] },
        }),
      ),
    );
    expect([over.name, over.status]).toEqual(["BadRequest", 400]);
    const invalid = await sdkFailure(
      host.s3.send(
        new PutBucketTaggingCommand({
          Bucket: bb,
          Tagging: { TagSet: [{ Key: "k".repeat(129), Value: "" }] },
        }),
      ),
    );
    expect([invalid.name, invalid.status]).toEqual(["InvalidTag", 400]);
    await host.s3.send(new DeleteBucketTaggingCommand({ Bucket: bb }));
    const gone = await sdkFailure(host.s3.send(new GetBucketTaggingCommand({ Bucket: bb })));
    expect(gone.name).toBe("NoSuchTagSet");
    const nb = await sdkFailure(host.s3.send(new GetBucketTaggingCommand({ Bucket: uniqueBucket("nob") })));
    expect(nb.name).toBe("NoSuchBucket");
  });
});
