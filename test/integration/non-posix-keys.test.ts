import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import {
  aws,
  py,
  s3Client,
  s3dirCli,
  sdkFailure,
  startHost,
  type TestServer,
  uniqueBucket,
  useHost,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

const { server, s3, bucket } = useHost({ bucket: "nonposix" });

const long = "x".repeat(300);

async function put(key: string, body: string, b = bucket) {
  await s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: body }));
}
async function get(key: string, b = bucket): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: key }));
  return await got.Body!.transformToString();
}
async function listAll(input: { prefix?: string; delimiter?: string; maxKeys?: number; b?: string }) {
  const keys: string[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: input.b ?? bucket,
        Prefix: input.prefix,
        Delimiter: input.delimiter,
        MaxKeys: input.maxKeys,
        ContinuationToken: token,
      }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    prefixes.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
    if (!page.IsTruncated) return { keys, prefixes };
    token = page.NextContinuationToken;
  }
}

describe("keys a file tree cannot hold", () => {
  test("a and a/b both exist; the plain file keeps its path", async () => {
    await put("t1/a", "file a");
    await put("t1/a/b", "under a");
    expect(await get("t1/a")).toBe("file a");
    expect(await get("t1/a/b")).toBe("under a");
    expect(readFileSync(`${server.root}/${bucket}/t1/a`, "utf8")).toBe("file a");
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "t1/a/b" }));
    expect(head.ContentLength).toBe(7);
    // and the other way round: a/b first, then a
    await put("t1/c/d", "under c");
    await put("t1/c", "file c");
    expect(await get("t1/c")).toBe("file c");
    expect(await get("t1/c/d")).toBe("under c");
    expect(statSync(`${server.root}/${bucket}/t1/c`).isDirectory()).toBe(true);
  });

  test("a key ending in / with data, a//b, a 300-byte segment, .s3dir/x", async () => {
    const keys = ["t2/dir/", "t2/a//b", `t2/${long}/z`, "t2//lead", ".s3dir/x"];
    for (const k of keys) await put(k, `body of ${k}`);
    for (const k of keys) expect(await get(k)).toBe(`body of ${k}`);
    expect(existsSync(`${server.root}/${bucket}/.s3dir/keys`)).toBe(true);
  });

  test("delete of either form; deleting a does not move a/b back", async () => {
    await put("t3/a", "A");
    await put("t3/a/b", "B");
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "t3/a" }));
    expect(await get("t3/a/b")).toBe("B");
    expect((await sdkFailure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "t3/a" })))).name).toBe(
      "NoSuchKey",
    );
    // written again: still the alternate copy, never two
    await put("t3/a/b", "B2");
    expect(await get("t3/a/b")).toBe("B2");
    expect((await listAll({ prefix: "t3/" })).keys).toEqual(["t3/a/b"]);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "t3/a/b" }));
    expect((await sdkFailure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "t3/a/b" })))).name).toBe(
      "NoSuchKey",
    );
    expect((await listAll({ prefix: "t3/" })).keys).toEqual([]);
  });

  test("the first alternate key of a bucket is found by the writes that follow it", async () => {
    const b = uniqueBucket("altfirst");
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    // Plain writes first: the bucket has no alternate area yet.
    await put("x", "X", b);
    await put("a", "A", b);
    await put("a/b", "B", b);
    expect(existsSync(`${server.root}/${b}/.s3dir/keys`)).toBe(true);
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: "a" }));
    // Nothing is in the way of a/b any more, but its copy in the area is the one written.
    await put("a/b", "B2", b);
    expect(await get("a/b", b)).toBe("B2");
    expect(existsSync(`${server.root}/${b}/a`)).toBe(false);
    expect((await listAll({ b })).keys).toEqual(["a/b", "x"]);
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: "a/b" }));
    expect((await sdkFailure(s3.send(new GetObjectCommand({ Bucket: b, Key: "a/b" })))).name).toBe(
      "NoSuchKey",
    );
    expect((await listAll({ b })).keys).toEqual(["x"]);
  });

  test("tags and copy to and from alternate keys", async () => {
    await put("t4/a", "A");
    await put("t4/a/b", "B");
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: bucket,
        Key: "t4/a/b",
        Tagging: { TagSet: [{ Key: "k", Value: "v" }] },
      }),
    );
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "t4/a/b" }));
    expect(tags.TagSet).toEqual([{ Key: "k", Value: "v" }]);
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "t4/x//y", CopySource: `${bucket}/t4/a/b` }));
    expect(await get("t4/x//y")).toBe("B");
    await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "t4/plain", CopySource: `${bucket}/t4/x//y` }),
    );
    expect(await get("t4/plain")).toBe("B");
    expect(readFileSync(`${server.root}/${bucket}/t4/plain`, "utf8")).toBe("B");
  });

  describe("listing merges both sources in UTF-8 byte order", () => {
    // Plain and alternate keys interleaved: a+b < a/ < a/b < a0, empty segments, long ones.
    const plain = ["L/a", "L/a+b", "L/a0", "L/b/c", "L/b/d", "L/z"];
    const alternate = ["L/a/b", "L/a/", "L//x", "L/b//", `L/b/${long}`, "L/a/b/c", "L/é/"];
    const all = [...plain, ...alternate].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

    test("without a delimiter, every page size", async () => {
      for (const k of plain) await put(k, k);
      for (const k of alternate) await put(k, k);
      for (const k of alternate) expect(await get(k)).toBe(k);
      for (const maxKeys of [1, 2, 3, 1000]) {
        expect((await listAll({ prefix: "L/", maxKeys })).keys).toEqual(all);
      }
      expect((await listAll({ prefix: "L/a" })).keys).toEqual(all.filter((k) => k.startsWith("L/a")));
      expect((await listAll({ prefix: "L/a/" })).keys).toEqual(["L/a/", "L/a/b", "L/a/b/c"]);
      expect((await listAll({ prefix: "L//" })).keys).toEqual(["L//x"]);
    });

    test("with delimiter /, and with another delimiter", async () => {
      for (const maxKeys of [1, 2, 1000]) {
        const r = await listAll({ prefix: "L/", delimiter: "/", maxKeys });
        expect(r.keys).toEqual(["L/a", "L/a+b", "L/a0", "L/z"]);
        expect(r.prefixes).toEqual(["L//", "L/a/", "L/b/", "L/é/"]);
      }
      const b = await listAll({ prefix: "L/b/", delimiter: "/" });
      expect(b.keys).toEqual(["L/b/c", "L/b/d", `L/b/${long}`]);
      expect(b.prefixes).toEqual(["L/b//"]);
      const plus = await listAll({ prefix: "L/", delimiter: "b" });
      expect(plus.keys).toEqual(all.filter((k) => !k.slice(2).includes("b")));
      expect(plus.prefixes).toEqual(["L/a+b", "L/a/b", "L/b"]);
    });

    test("ListObjects v1 markers and start-after", async () => {
      const seen: string[] = [];
      let marker: string | undefined;
      for (;;) {
        const page = await s3.send(
          new ListObjectsCommand({ Bucket: bucket, Prefix: "L/", MaxKeys: 2, Marker: marker }),
        );
        seen.push(...(page.Contents ?? []).map((o) => o.Key!));
        if (!page.IsTruncated) break;
        marker = page.Contents!.at(-1)!.Key;
      }
      expect(seen).toEqual(all);
      const after = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: "L/", StartAfter: "L/a/" }),
      );
      expect((after.Contents ?? []).map((o) => o.Key)).toEqual(
        all.filter((k) => Buffer.compare(Buffer.from(k), Buffer.from("L/a/")) > 0),
      );
      const sizes = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "L/a/b" }));
      expect((sizes.Contents ?? []).map((o) => [o.Key, o.Size])).toEqual([
        ["L/a/b", 5],
        ["L/a/b/c", 7],
      ]);
    });
  });

  test("versions: each form keeps its history, listed in order with IsLatest", async () => {
    const vb = `${bucket}-v`;
    await s3.send(new CreateBucketCommand({ Bucket: vb }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: vb, VersioningConfiguration: { Status: "Enabled" } }),
    );
    await put("a", "a1", vb);
    await put("a/b", "ab1", vb);
    await put("a/b", "ab2", vb);
    await put("a//c", "ac1", vb);
    await put("a", "a2", vb);
    await s3.send(new DeleteObjectCommand({ Bucket: vb, Key: "a//c" }));
    expect(await get("a", vb)).toBe("a2");
    expect(await get("a/b", vb)).toBe("ab2");
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: vb }));
    const rows = [
      ...(listed.Versions ?? []).map((v) => [v.Key, v.IsLatest, "v", v.Size, v.VersionId]),
      ...(listed.DeleteMarkers ?? []).map((v) => [v.Key, v.IsLatest, "m", 0, v.VersionId]),
    ];
    expect(rows.map((r) => r.slice(0, 4)).sort()).toEqual(
      [
        ["a", true, "v", 2],
        ["a", false, "v", 2],
        ["a//c", false, "v", 3],
        ["a//c", true, "m", 0],
        ["a/b", true, "v", 3],
        ["a/b", false, "v", 3],
      ].sort(),
    );
    expect([...new Set((listed.Versions ?? []).map((v) => v.Key))]).toEqual(["a", "a//c", "a/b"]);
    // The older version of a/b, by id; pages of one version each walk across both sources.
    const old = (listed.Versions ?? []).find((v) => v.Key === "a/b" && !v.IsLatest)!;
    const got = await s3.send(new GetObjectCommand({ Bucket: vb, Key: "a/b", VersionId: old.VersionId }));
    expect(await got.Body!.transformToString()).toBe("ab1");
    const paged: string[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    for (;;) {
      const page = await s3.send(
        new ListObjectVersionsCommand({
          Bucket: vb,
          MaxKeys: 1,
          KeyMarker: keyMarker,
          VersionIdMarker: versionMarker,
        }),
      );
      paged.push(...(page.Versions ?? []).map((v) => `${v.Key}@${v.VersionId}`));
      paged.push(...(page.DeleteMarkers ?? []).map((v) => `${v.Key}@${v.VersionId}`));
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }
    expect(paged.sort()).toEqual(rows.map((r) => `${r[0]}@${r[4]}`).sort());
  });

  test("versions of a deleted alternate key are still deleted by id", async () => {
    const vb = `${bucket}-v2`;
    await s3.send(new CreateBucketCommand({ Bucket: vb }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: vb, VersioningConfiguration: { Status: "Enabled" } }),
    );
    await put("del/a", "file", vb);
    const v1 = await s3.send(new PutObjectCommand({ Bucket: vb, Key: "del/a/b", Body: "b1" }));
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: vb, Key: "del/a/b" }));
    expect(marker.DeleteMarker).toBe(true);
    await s3.send(new DeleteObjectCommand({ Bucket: vb, Key: "del/a/b", VersionId: v1.VersionId }));
    await s3.send(new DeleteObjectCommand({ Bucket: vb, Key: "del/a/b", VersionId: marker.VersionId }));
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: vb, Prefix: "del/" }));
    expect((listed.Versions ?? []).map((v) => v.Key)).toEqual(["del/a"]);
    expect(listed.DeleteMarkers ?? []).toEqual([]);
  });

  test("a directory key written empty, then with data: read and listed with its data", async () => {
    await put("dk/d/", "");
    await put("dk/d/", "data");
    expect(await get("dk/d/")).toBe("data");
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "dk/" }));
    expect((listed.Contents ?? []).map((o) => [o.Key, o.Size])).toEqual([["dk/d/", 4]]);
  });

  test("multipart upload to a key below a file, and to a key with an empty segment", async () => {
    await put("mp/a", "file");
    for (const Key of ["mp/a/big", "mp//big"]) {
      const body = Buffer.alloc(6 * 1024 * 1024 + 5, Key.length);
      await new Upload({
        client: s3,
        params: { Bucket: bucket, Key, Body: body },
        partSize: 5 * 1024 * 1024,
      }).done();
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
      expect(got.ETag).toMatch(/-2"$/);
      expect(Buffer.compare(Buffer.from(await got.Body!.transformToByteArray()), body)).toBe(0);
    }
    expect(await get("mp/a")).toBe("file");
    expect((await listAll({ prefix: "mp/" })).keys).toEqual(["mp//big", "mp/a", "mp/a/big"]);
  });

  test("ListMultipartUploads shows uploads of both forms under their keys, in order", async () => {
    await put("mpl/a", "file");
    const ids: string[] = [];
    for (const Key of ["mpl/a/b", "mpl/c", "mpl//d"]) {
      ids.push((await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }))).UploadId!);
    }
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: "mpl/" }));
    expect((listed.Uploads ?? []).map((u) => u.Key)).toEqual(["mpl//d", "mpl/a/b", "mpl/c"]);
    const grouped = await s3.send(
      new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: "mpl/", Delimiter: "/" }),
    );
    expect((grouped.Uploads ?? []).map((u) => u.Key)).toEqual(["mpl/c"]);
    expect((grouped.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(["mpl//", "mpl/a/"]);
    const keys = ["mpl/a/b", "mpl/c", "mpl//d"];
    for (let i = 0; i < keys.length; i++) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: keys[i], UploadId: ids[i] }));
    }
    const after = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: "mpl/" }));
    expect(after.Uploads ?? []).toEqual([]);
  });

  test("AWS CLI: s3 sync up beside a file, s3 ls --recursive, a second sync finds nothing to do", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s3dir-alt-sync-"));
    try {
      await put("cli/a", "file a");
      mkdirSync(join(dir, "a"));
      writeFileSync(join(dir, "a", "b"), "below a");
      writeFileSync(join(dir, "c"), "c");
      const sync = await aws(server, ["s3", "sync", dir, `s3://${bucket}/cli/`, "--exclude", "a"]);
      expect(sync.code).toBe(0);
      expect(await get("cli/a/b")).toBe("below a");
      expect(await get("cli/a")).toBe("file a");
      const ls = await aws(server, ["s3", "ls", "--recursive", `s3://${bucket}/cli/`]);
      expect(ls.code).toBe(0);
      const listed = ls.stdout
        .trim()
        .split("\n")
        .map((l) => l.trim().split(/\s+/).slice(2));
      expect(listed).toEqual([
        ["6", "cli/a"],
        ["7", "cli/a/b"],
        ["1", "cli/c"],
      ]);
      const again = await aws(server, ["s3", "sync", dir, `s3://${bucket}/cli/`, "--exclude", "a"]);
      expect(again.code).toBe(0);
      expect(again.stdout.trim()).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("boto3: put, get and paginate keys of both forms", async () => {
    const result = await py(
      server,
      `
      bucket = ${JSON.stringify(bucket)}
      keys = ["py/a", "py/a/b", "py//c", "py/" + "y" * 300 + "/d", "py/e/"]
      for k in keys:
          s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
      got = [s3.get_object(Bucket=bucket, Key=k)["Body"].read().decode() == k for k in keys]
      listed = []
      for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="py/", PaginationConfig={"PageSize": 2}):
          listed += [c["Key"] for c in page.get("Contents", [])]
      out({"got": got, "listed": listed})
      `,
    );
    expect(result.code).toBe(0);
    const json = result.json as { got: boolean[]; listed: string[] };
    expect(json.got).toEqual([true, true, true, true, true]);
    expect(json.listed).toEqual(["py//c", "py/a", "py/a/b", "py/e/", `py/${"y".repeat(300)}/d`]);
  });
});

describe("buckets holding only alternate keys", () => {
  test("DeleteBucket is BucketNotEmpty until the key is deleted; nothing is left behind", async () => {
    const b = uniqueBucket("altdel");
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    await put("only//key", "x", b);
    const failure = await sdkFailure(s3.send(new DeleteBucketCommand({ Bucket: b })));
    expect([failure.status, failure.name, failure.message]).toEqual([
      409,
      "BucketNotEmpty",
      "The bucket you tried to delete is not empty",
    ]);
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: "only//key" }));
    expect(existsSync(join(server.root, b, ".s3dir"))).toBe(false);
    await s3.send(new DeleteBucketCommand({ Bucket: b }));
  });
});

describe("SSE in the alternate area", () => {
  test("SSE-S3 objects there are read back and rewrapped by a master key rotation", async () => {
    const b = uniqueBucket("altsse");
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    await s3.send(
      new PutObjectCommand({ Bucket: b, Key: "s", Body: "file", ServerSideEncryption: "AES256" }),
    );
    for (const Key of ["s/under", "s//empty"]) {
      await s3.send(
        new PutObjectCommand({ Bucket: b, Key, Body: `sealed ${Key}`, ServerSideEncryption: "AES256" }),
      );
    }
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: "s/under" }));
    expect(head.ServerSideEncryption).toBe("AES256");
    // Without grace the old master key is dropped: an object the rotation missed would be lost.
    const r = await s3dirCli(server.root, "master-key", "rotate", "--grace", "0", "--json");
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { rewrapped: number }).rewrapped).toBe(3);
    await Bun.sleep(1100); // the server re-reads the ring within a second
    for (const Key of ["s/under", "s//empty"]) expect(await get(Key, b)).toBe(`sealed ${Key}`);
    expect(await get("s", b)).toBe("file");
  });
});

describe("lifecycle expiry reaches the alternate area", () => {
  let lc: TestServer;
  afterAll(async () => {
    await lc?.stop();
  });

  test("keys of both forms expire by prefix", async () => {
    lc = await startHost({
      args: [
        ...["--lifecycle-day", "1s", "--lifecycle-interval", "1s"],
        ...["--lifecycle-pause", "0", "--lifecycle-rate", "1000", "--lifecycle-page", "3"],
      ],
    });
    const client = s3Client(lc);
    const b = uniqueBucket("altlc");
    await client.send(new CreateBucketCommand({ Bucket: b }));
    for (const Key of ["old/a", "old/a/b", "old//c", `old/${long}`, "keep/a", "keep/a/b"]) {
      await client.send(new PutObjectCommand({ Bucket: b, Key, Body: "x" }));
    }
    await client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: b,
        LifecycleConfiguration: {
          Rules: [{ ID: "old", Status: "Enabled", Filter: { Prefix: "old/" }, Expiration: { Days: 1 } }],
        },
      }),
    );
    const keys = async () =>
      ((await client.send(new ListObjectsV2Command({ Bucket: b }))).Contents ?? []).map((o) => o.Key);
    expect(await waitFor(async () => (await keys()).length === 2, 20_000)).toBe(true);
    expect(await keys()).toEqual(["keep/a", "keep/a/b"]);
  });
});
