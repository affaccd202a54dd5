/**
 * A PutObject of a plain key in a bucket without an alternate area is published at its own path
 * without looking first; when the tree refuses that path (a file or symlink in the way of a
 * parent, objects below the key), the object goes to the alternate area all the same. Each test
 * uses a fresh bucket, so its first conflicting write takes that way.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { uniqueBucket, useHost } from "../helpers/index.ts";

setDefaultTimeout(30_000);

const { server, s3 } = useHost({ bucket: false });

async function freshBucket(prefix: string): Promise<string> {
  const b = uniqueBucket(prefix);
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  return b;
}
async function put(b: string, key: string, body: string) {
  return await s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: body }));
}
async function get(b: string, key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: key }));
  return await got.Body!.transformToString();
}
async function keys(b: string): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: b }));
  return (page.Contents ?? []).map((o) => o.Key!);
}

describe("a plain key the tree refuses at publish time", () => {
  test("objects below the key: the key goes to the alternate area, the tree is untouched", async () => {
    const b = await freshBucket("fbprefix");
    await put(b, "c/d", "under c");
    await put(b, "c", "file c");
    expect(await get(b, "c")).toBe("file c");
    expect(await get(b, "c/d")).toBe("under c");
    expect(lstatSync(join(server.root, b, "c")).isDirectory()).toBe(true);
    expect(await keys(b)).toEqual(["c", "c/d"]);
    // Written again: the copy in the area is replaced, never a second one.
    await put(b, "c", "file c2");
    expect(await get(b, "c")).toBe("file c2");
    expect(await keys(b)).toEqual(["c", "c/d"]);
  });

  test("empty leftover directories in the way are cleared and the key keeps its own path", async () => {
    const b = await freshBucket("fbleft");
    mkdirSync(join(server.root, b, "e", "sub", "deeper"), { recursive: true });
    await put(b, "e", "file e");
    expect(lstatSync(join(server.root, b, "e")).isFile()).toBe(true);
    expect(existsSync(join(server.root, b, ".s3dir", "keys"))).toBe(false);
    expect(await get(b, "e")).toBe("file e");
  });

  test("a symlink in the way of a parent is never followed", async () => {
    const b = await freshBucket("fblink");
    const outside = mkdtempSync(join(tmpdir(), "s3dir-fallback-outside-"));
    symlinkSync(outside, join(server.root, b, "s"));
    await put(b, "s/x", "inside");
    expect(readdirSync(outside)).toEqual([]);
    expect(await get(b, "s/x")).toBe("inside");
  });

  test("in a versioned bucket each form keeps its history", async () => {
    const b = await freshBucket("fbvers");
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: "Enabled" } }),
    );
    await put(b, "v", "file v");
    const first = await put(b, "v/w", "under v 1");
    const second = await put(b, "v/w", "under v 2");
    expect(first.VersionId).toBeDefined();
    expect(second.VersionId).not.toBe(first.VersionId);
    expect(await get(b, "v")).toBe("file v");
    expect(await get(b, "v/w")).toBe("under v 2");
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: b, Prefix: "v/w" }));
    expect((versions.Versions ?? []).map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [second.VersionId, true],
      [first.VersionId, false],
    ]);
  });
});
