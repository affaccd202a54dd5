/** The same bytes are a file for POSIX users and an object for S3 clients, both ways (docs/on-disk-layout.md). */
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  appendFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import {
  bytes,
  md5Hex,
  objectPath,
  sdkFailure,
  signedFetch,
  uniqueBucket,
  useHost,
  waitFor,
} from "../helpers/index.ts";

// Servers, the AWS CLI and python start in seconds, not milliseconds.
setDefaultTimeout(60_000);

const { server, s3, bucket } = useHost({ bucket: "posix" });
const dir = () => join(server.root, bucket);

async function listKeys(prefix?: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((c) => c.Key!);
}

async function getBytes(key: string): Promise<{ etag?: string; body: Uint8Array; type?: string }> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { etag: got.ETag, type: got.ContentType, body: await got.Body!.transformToByteArray() };
}

describe("files written through POSIX are objects", () => {
  const files: Record<string, { body: Uint8Array; type: string }> = {
    "fs/docs/sub/readme.txt": {
      body: new TextEncoder().encode("hello from the filesystem\n"),
      type: "text/plain",
    },
    "fs/data/values.json": { body: new TextEncoder().encode('{"a":1}'), type: "application/json" },
    "fs/img/pixel.png": { body: bytes(333, 4), type: "image/png" },
    "fs/page.html": { body: new TextEncoder().encode("<p>hi</p>"), type: "text/html" },
    "fs/ü space+plus.txt": { body: new TextEncoder().encode("unicode name"), type: "text/plain" },
  };

  beforeAll(() => {
    for (const [key, { body }] of Object.entries(files)) {
      mkdirSync(join(dir(), key, ".."), { recursive: true });
      writeFileSync(join(dir(), key), body);
    }
  });

  test("they are listed", async () => {
    expect((await listKeys("fs/")).sort()).toEqual(Object.keys(files).sort());
    const delimited = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: "fs/", Delimiter: "/" }),
    );
    expect((delimited.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual([
      "fs/data/",
      "fs/docs/",
      "fs/img/",
    ]);
  });

  test("they are served with the exact bytes, an MD5 ETag and a Content-Type from the extension", async () => {
    for (const [key, { body, type }] of Object.entries(files)) {
      const got = await getBytes(key);
      expect({ key, etag: got.etag, type: got.type?.split(";")[0] }).toEqual({
        key,
        etag: `"${md5Hex(body)}"`,
        type,
      });
      expect(Buffer.compare(Buffer.from(got.body), Buffer.from(body))).toBe(0);
    }
  });

  test("HEAD reports the file's size and modification time", async () => {
    const key = "fs/docs/sub/readme.txt";
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const stat = statSync(join(dir(), key));
    expect(head.ContentLength).toBe(stat.size);
    expect(Math.abs(head.LastModified!.getTime() - stat.mtimeMs)).toBeLessThan(1000);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key }));
    expect(listed.Contents?.[0]?.Size).toBe(stat.size);
    expect(listed.Contents?.[0]?.ETag).toBe(`"${md5Hex(files[key]!.body)}"`);
  });

  test("ranges work on files written through POSIX", async () => {
    const body = bytes(3 * 1024 * 1024, 13);
    writeFileSync(join(dir(), "fs-range.bin"), body);
    const response = await signedFetch(server, objectPath(bucket, "fs-range.bin"), {
      headers: { range: "bytes=1048570-1048585" },
    });
    expect(response.status).toBe(206);
    const part = new Uint8Array(await response.arrayBuffer());
    expect(Buffer.compare(Buffer.from(part), Buffer.from(body.subarray(1048570, 1048586)))).toBe(0);
  });

  test("a file modified through POSIX gets a new ETag and is served with its new bytes", async () => {
    const key = "fs/mutable.txt";
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "original content" }));
    expect((await getBytes(key)).etag).toBe(`"${md5Hex("original content")}"`);
    // Same length, different bytes.
    writeFileSync(join(dir(), key), "modified content");
    const same = await getBytes(key);
    expect(new TextDecoder().decode(same.body)).toBe("modified content");
    expect(same.etag).toBe(`"${md5Hex("modified content")}"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ETag).toBe(`"${md5Hex("modified content")}"`);
    // Appended.
    appendFileSync(join(dir(), key), " and more");
    const longer = await getBytes(key);
    expect(new TextDecoder().decode(longer.body)).toBe("modified content and more");
    expect(longer.etag).toBe(`"${md5Hex("modified content and more")}"`);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key }));
    expect(listed.Contents?.[0]?.ETag).toBe(`"${md5Hex("modified content and more")}"`);
  });

  test("a file modified through POSIX keeps its content headers and user metadata, less what described the old bytes", async () => {
    const key = "fs/synced.txt";
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: "as uploaded",
        ContentType: "text/x-synced",
        // rclone's modification time and MD5, s3cmd's attributes, and a label of the user's.
        Metadata: {
          mtime: "1600000000.25",
          md5chksum: "c29tZQ==",
          "s3cmd-attrs": "md5:x/mtime:1",
          label: "keep",
        },
      }),
    );
    writeFileSync(join(dir(), key), "as edited!!");
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ETag).toBe(`"${md5Hex("as edited!!")}"`);
    expect(head.ContentType).toBe("text/x-synced");
    expect(head.Metadata).toEqual({ label: "keep" });
  });

  test("a file removed or renamed through POSIX disappears or moves", async () => {
    writeFileSync(join(dir(), "fs-rm.txt"), "remove me");
    writeFileSync(join(dir(), "fs-mv-a.txt"), "move me");
    expect(await listKeys("fs-")).toContain("fs-rm.txt");
    rmSync(join(dir(), "fs-rm.txt"));
    renameSync(join(dir(), "fs-mv-a.txt"), join(dir(), "fs-mv-b.txt"));
    expect(await listKeys("fs-")).not.toContain("fs-rm.txt");
    expect(
      await sdkFailure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "fs-rm.txt" }))),
    ).toMatchObject({
      status: 404,
    });
    expect(
      await sdkFailure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "fs-mv-a.txt" }))),
    ).toMatchObject({
      name: "NoSuchKey",
    });
    expect(new TextDecoder().decode((await getBytes("fs-mv-b.txt")).body)).toBe("move me");
  });

  test("an empty directory is not an object", async () => {
    mkdirSync(join(dir(), "fs-empty/inner"), { recursive: true });
    const keys = await listKeys("fs-empty");
    expect(keys).toEqual([]);
  });

  test("a directory made in the root is a bucket", async () => {
    const name = uniqueBucket("mkdir");
    mkdirSync(join(server.root, name));
    writeFileSync(join(server.root, name, "inside.txt"), "made with mkdir");
    const buckets = await s3.send(new ListBucketsCommand({}));
    expect((buckets.Buckets ?? []).map((b) => b.Name)).toContain(name);
    const got = await s3.send(new GetObjectCommand({ Bucket: name, Key: "inside.txt" }));
    expect(await got.Body!.transformToString()).toBe("made with mkdir");
  });
});

describe("objects written through S3 are plain files", () => {
  test("a PUT object is a regular file with exactly the bytes, in nested directories", async () => {
    const body = bytes(100_000, 8);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "s3/a/b/c/data.bin", Body: body }));
    const path = join(dir(), "s3/a/b/c/data.bin");
    expect(lstatSync(path).isFile()).toBe(true);
    expect(Buffer.compare(readFileSync(path), Buffer.from(body))).toBe(0);
  });

  test("metadata does not change the file's bytes", async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "s3/meta.txt",
        Body: "just the bytes",
        ContentType: "application/x-meta",
        Metadata: { a: "b" },
      }),
    );
    expect(readFileSync(join(dir(), "s3/meta.txt"), "utf8")).toBe("just the bytes");
  });

  test("an object deleted through S3 is gone from the filesystem", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "s3/delete-me.txt", Body: "bye" }));
    expect(existsSync(join(dir(), "s3/delete-me.txt"))).toBe(true);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "s3/delete-me.txt" }));
    expect(existsSync(join(dir(), "s3/delete-me.txt"))).toBe(false);
  });

  test("a bucket created through S3 is a directory of the root", async () => {
    const name = uniqueBucket("isdir");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    expect(statSync(join(server.root, name)).isDirectory()).toBe(true);
  });

  test("the system directories are neither buckets nor objects", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "s3/visible.txt", Body: "v" }));
    const buckets = await s3.send(new ListBucketsCommand({}));
    expect((buckets.Buckets ?? []).map((b) => b.Name).filter((n) => n?.startsWith("."))).toEqual([]);
    const all: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 20; page++) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      all.push(...(listed.Contents ?? []).map((c) => c.Key!));
      if (!listed.IsTruncated) break;
      token = listed.NextContinuationToken;
    }
    expect(all.filter((k) => k.startsWith(".s3dir"))).toEqual([]);
    expect(all).toContain("s3/visible.txt");
  });

  test("an overwrite through S3 is seen by POSIX readers at once", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "s3/over.txt", Body: "one" }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "s3/over.txt", Body: "two" }));
    expect(await waitFor(() => readFileSync(join(dir(), "s3/over.txt"), "utf8") === "two", 100)).toBe(true);
  });
});
