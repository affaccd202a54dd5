/**
 * `s3dir bucket create NAME --existing-path DIR` serves a directory already beneath the root as a
 * bucket (no copy, no symlink), and `s3dir bucket remove NAME --unlink` detaches a bucket and keeps
 * its files.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  bucketState,
  s3Client,
  s3dirCli,
  sdkFailure,
  startHost,
  type TestServer,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

let root: string;
let server: TestServer;
let client: S3Client;

async function cli(...args: string[]) {
  return await s3dirCli(root, "bucket", ...args);
}

async function bucketNames(): Promise<string[]> {
  return ((await client.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "s3dir-existing-path-"));
  // Not a bucket by itself: "_" is not allowed in bucket names.
  mkdirSync(join(root, "legacy_data", "sub"), { recursive: true });
  writeFileSync(join(root, "legacy_data", "sub", "old.txt"), "written before s3dir");
  server = await startHost({ root });
  client = s3Client(server);
});
afterAll(async () => {
  await server.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("bucket create --existing-path", () => {
  test("a directory beneath the root is served as a bucket of another name, in place", async () => {
    const created = await cli("create", "archive", "--existing-path", "legacy_data");
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    // Hosts see the bind within about a second.
    expect(await waitFor(async () => (await bucketNames()).includes("archive"), 5000)).toBe(true);
    expect(existsSync(join(root, "archive"))).toBe(false);
    const got = await client.send(new GetObjectCommand({ Bucket: "archive", Key: "sub/old.txt" }));
    expect(await got.Body!.transformToString()).toBe("written before s3dir");
    await client.send(
      new PutObjectCommand({
        Bucket: "archive",
        Key: "new.txt",
        Body: "from S3",
        Metadata: { origin: "sdk" },
      }),
    );
    expect(readFileSync(join(root, "legacy_data", "new.txt"), "utf8")).toBe("from S3");
    const head = await client.send(new HeadObjectCommand({ Bucket: "archive", Key: "new.txt" }));
    expect(head.Metadata).toEqual({ origin: "sdk" });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: "archive" }));
    expect((listed.Contents ?? []).map((o) => o.Key)).toEqual(["new.txt", "sub/old.txt"]);
    // The bucket's state is its own, in the system directory, never in the served directory.
    expect(existsSync(bucketState(root, "archive", "created"))).toBe(true);
    expect(existsSync(join(root, "legacy_data", ".s3dir"))).toBe(false);
    // The name is taken: neither S3 nor the CLI make a second bucket of it.
    expect((await cli("create", "archive")).code).not.toBe(0);
    await client.send(new CreateBucketCommand({ Bucket: "archive" }));
    expect(existsSync(join(root, "archive"))).toBe(false);
  });

  test("refused: the system directory, paths leaving the root, missing directories, symlinks, buckets", async () => {
    mkdirSync(join(root, "elsewhere_dir"));
    symlinkSync(join(root, "elsewhere_dir"), join(root, "link_dir"));
    mkdirSync(join(root, "realbucket"));
    for (const dir of [
      ".s3dir",
      ".s3dir/buckets",
      "../outside",
      "missing_dir",
      "link_dir",
      "realbucket",
      "/etc",
    ]) {
      const result = await cli("create", "refused", "--existing-path", dir);
      expect({ dir, code: result.code }).toEqual({ dir, code: 1 });
    }
    const again = await cli("create", "second-name", "--existing-path", "legacy_data");
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain("already the bucket archive");
    expect(existsSync(join(root, ".s3dir", "binds", "refused"))).toBe(false);
  });

  test("a bound directory swapped for a symlink is not followed", async () => {
    mkdirSync(join(root, "swap_me"));
    expect((await cli("create", "swapped", "--existing-path", "swap_me")).code).toBe(0);
    expect(await waitFor(async () => (await bucketNames()).includes("swapped"), 5000)).toBe(true);
    mkdirSync(join(root, "secret_dir"));
    writeFileSync(join(root, "secret_dir", "key.txt"), "not for S3");
    rmSync(join(root, "swap_me"), { recursive: true });
    symlinkSync(join(root, "secret_dir"), join(root, "swap_me"));
    expect((await sdkFailure(client.send(new HeadBucketCommand({ Bucket: "swapped" })))).status).toBe(404);
    const read = await sdkFailure(client.send(new GetObjectCommand({ Bucket: "swapped", Key: "key.txt" })));
    expect(read.status).toBeGreaterThanOrEqual(400);
    expect(await bucketNames()).not.toContain("swapped");
  });
});

describe("bucket remove --unlink", () => {
  test("a bound bucket is detached; its directory and files stay", async () => {
    const result = await cli("remove", "archive", "--unlink");
    expect(result.code).toBe(0);
    expect(await waitFor(async () => !(await bucketNames()).includes("archive"), 5000)).toBe(true);
    expect(readFileSync(join(root, "legacy_data", "sub", "old.txt"), "utf8")).toBe("written before s3dir");
    expect(readFileSync(join(root, "legacy_data", "new.txt"), "utf8")).toBe("from S3");
    expect(existsSync(bucketState(root, "archive"))).toBe(false);
    expect((await sdkFailure(client.send(new HeadBucketCommand({ Bucket: "archive" })))).status).toBe(404);
  });

  test("a top-level bucket keeps its directory and files; its state is removed", async () => {
    await client.send(new CreateBucketCommand({ Bucket: "plain" }));
    await client.send(new PutObjectCommand({ Bucket: "plain", Key: "kept.txt", Body: "kept" }));
    expect(existsSync(bucketState(root, "plain", "created"))).toBe(true);
    expect((await cli("remove", "plain", "--unlink")).code).toBe(0);
    expect(readFileSync(join(root, "plain", "kept.txt"), "utf8")).toBe("kept");
    expect(existsSync(bucketState(root, "plain"))).toBe(false);
    expect((await cli("remove", "no-such-bucket", "--unlink")).code).not.toBe(0);
  });

  test("DeleteBucket of an empty bound bucket removes the bucket, not the directory it was given", async () => {
    mkdirSync(join(root, "empty_dir"));
    expect((await cli("create", "empty-bound", "--existing-path", "empty_dir")).code).toBe(0);
    expect(await waitFor(async () => (await bucketNames()).includes("empty-bound"), 5000)).toBe(true);
    await client.send(new PutObjectCommand({ Bucket: "empty-bound", Key: "x", Body: "x" }));
    await client.send(new DeleteObjectCommand({ Bucket: "empty-bound", Key: "x" }));
    await client.send(new DeleteBucketCommand({ Bucket: "empty-bound" }));
    expect(lstatSync(join(root, "empty_dir")).isDirectory()).toBe(true);
    expect(existsSync(join(root, ".s3dir", "binds", "empty-bound"))).toBe(false);
    expect(await bucketNames()).not.toContain("empty-bound");
  });
});

describe("with metadata in files (--metadata-store file)", () => {
  test("a bound bucket's metadata records live in its own state, not beside the served directory", async () => {
    const fileRoot = mkdtempSync(join(tmpdir(), "s3dir-existing-path-meta-"));
    mkdirSync(join(fileRoot, "team_share", "docs"), { recursive: true });
    const host = await startHost({ root: fileRoot, args: ["--metadata-store", "file"] });
    try {
      expect(
        (await s3dirCli(fileRoot, "bucket", "create", "team", "--existing-path", "team_share/docs")).code,
      ).toBe(0);
      const sdk = s3Client(host);
      await waitFor(
        async () => ((await sdk.send(new ListBucketsCommand({}))).Buckets ?? []).length === 1,
        5000,
      );
      await sdk.send(
        new PutObjectCommand({ Bucket: "team", Key: "a.txt", Body: "a", Metadata: { kind: "doc" } }),
      );
      const head = await sdk.send(new HeadObjectCommand({ Bucket: "team", Key: "a.txt" }));
      expect(head.Metadata).toEqual({ kind: "doc" });
      expect(existsSync(bucketState(fileRoot, "team", "meta"))).toBe(true);
      expect(existsSync(join(fileRoot, "team_share", ".s3dir"))).toBe(false);
    } finally {
      await host.stop();
      rmSync(fileRoot, { recursive: true, force: true });
    }
  });
});
