/**
 * A bucket directory on another filesystem than the root (a mount point): uploads are staged in
 * the root's system directory and cannot be renamed across filesystems, so writes fail with a
 * message that says why, reads keep working, and no temp file is left behind.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  bucketState,
  s3Client,
  s3dirCli,
  sdkFailure,
  startHost,
  type TestServer,
  walk,
} from "../helpers/index.ts";
import { mountTmpfs, type Tmpfs } from "../helpers/tmpfs.ts";

setDefaultTimeout(60_000);

let server: TestServer;
let s3: S3Client;
let disk: Tmpfs | undefined;
const bucket = "mounted";

beforeAll(async () => {
  server = await startHost();
  s3 = s3Client(server);
  mkdirSync(join(server.root, bucket));
  disk = mountTmpfs("4m");
  Bun.spawnSync(["mount", "--bind", disk.path, join(server.root, bucket)]);
  writeFileSync(join(server.root, bucket, "there.txt"), "from the other filesystem");
});

afterAll(async () => {
  Bun.spawnSync(["umount", join(server.root, bucket)]);
  disk?.unmount();
  await server?.stop();
});

test("reads work; a write fails with a clear reason and leaves no temp file", async () => {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "there.txt" }));
  expect(await got.Body?.transformToString()).toBe("from the other filesystem");
  const failure = await sdkFailure(
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: "new.txt", Body: "x" })),
  );
  expect(failure.status).toBe(500);
  expect(failure.message).toContain("another filesystem");
  expect(walk(bucketState(server.root, bucket, "tmp"))).toEqual([]);
});

test("s3dir doctor names the bucket", async () => {
  const result = await s3dirCli(server.root, "doctor");
  expect(result.stdout).toContain(`on another filesystem than the root: ${bucket}`);
});
