/**
 * What a host killed with SIGKILL leaves behind is recovered by the hosts that live on:
 * a CompleteMultipartUpload cut off mid-way rolls back to an upload that can be completed,
 * listed and aborted, and a PUT's temp file is swept by another host within the sweep
 * interval, while live uploads are never touched.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Layout } from "../../src/storage/layout/paths.ts";
import {
  bytes,
  md5Hex,
  s3Client,
  startServer,
  streamingUpload,
  type TestServer,
  uniqueBucket,
  waitFor,
} from "../helpers/index.ts";

setDefaultTimeout(90_000);

const MiB = 1024 * 1024;
const servers: TestServer[] = [];
const roots: string[] = [];

afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function freshRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "s3dir-crash-"));
  roots.push(root);
  return root;
}

async function start(root: string, args: string[] = [], env: Record<string, string> = {}) {
  const server = await startServer({ root, args, env });
  servers.push(server);
  return server;
}

/** Entries of a bucket's reserved subdirectory ([] when it does not exist). */
function entries(root: string, bucket: string, sub: string): string[] {
  const dir = new Layout(root).reserved(bucket, sub);
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** The ETag S3 gives a multipart object: MD5 of the binary part MD5s, then -N. */
function multipartEtag(parts: Uint8Array[]): string {
  const digests = Buffer.concat(parts.map((p) => Buffer.from(md5Hex(p), "hex")));
  return `"${md5Hex(digests)}-${parts.length}"`;
}

/**
 * Starts a host that stops every Complete once the object is assembled in its temp file,
 * uploads three parts, sends a Complete, waits for it to stop there and kills the host.
 */
async function completeCutOff(root: string, bucket: string, key: string, seed: number) {
  const pauseDir = mkdtempSync(join(tmpdir(), "s3dir-pause-"));
  roots.push(pauseDir);
  const host = await start(root, [], {
    S3DIR_TEST_PAUSE_AT: "complete-assembled",
    S3DIR_TEST_PAUSE_DIR: pauseDir,
  });
  const client = s3Client(host);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const uploadId = created.UploadId!;
  const data = [bytes(5 * MiB, seed), bytes(5 * MiB, seed + 1), bytes(MiB + 7, seed + 2)];
  const parts = [];
  for (const [i, body] of data.entries()) {
    const r = await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: i + 1, Body: body }),
    );
    parts.push({ PartNumber: i + 1, ETag: r.ETag! });
  }
  const cutOff = client
    .send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    )
    .then(
      () => "completed",
      () => "failed",
    );
  expect(await waitFor(() => existsSync(join(pauseDir, "complete-assembled")), 30_000, 20)).toBe(true);
  expect(entries(root, bucket, "completing").length).toBe(1);
  expect(entries(root, bucket, "tmp").length).toBe(1);
  await host.kill("SIGKILL");
  expect(await cutOff).toBe("failed");
  client.destroy();
  return { uploadId, data, parts };
}

function expectNoLeftovers(root: string, bucket: string) {
  expect(entries(root, bucket, "uploads")).toEqual([]);
  expect(entries(root, bucket, "completing")).toEqual([]);
  expect(entries(root, bucket, "tmp")).toEqual([]);
}

describe("a Complete cut off by a crash", () => {
  test("is finished by the retried Complete on the restarted host", async () => {
    const root = freshRoot();
    const bucket = uniqueBucket("crash-complete");
    const key = "big/object.bin";
    const { uploadId, data, parts } = await completeCutOff(root, bucket, key, 101);
    expect(entries(root, bucket, "uploads")).toEqual([]);

    const host = await start(root, ["--sweep-interval", "1h"]);
    const client = s3Client(host);
    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    expect(done.ETag).toBe(multipartEtag(data));
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(got.ETag).toBe(multipartEtag(data));
    const body = Buffer.from(await got.Body!.transformToByteArray());
    expect(md5Hex(body)).toBe(md5Hex(Buffer.concat(data)));
    expectNoLeftovers(root, bucket);
    client.destroy();
  });

  test("rolls back to an upload that ListParts and ListMultipartUploads show and Abort removes", async () => {
    const root = freshRoot();
    const bucket = uniqueBucket("crash-abort");
    const key = "big/aborted.bin";
    const { uploadId, data } = await completeCutOff(root, bucket, key, 201);

    const host = await start(root, ["--sweep-interval", "1h"]);
    const client = s3Client(host);
    const listedParts = await client.send(
      new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
    );
    expect((listedParts.Parts ?? []).map((p) => [p.PartNumber, p.Size])).toEqual(
      data.map((d, i) => [i + 1, d.length]),
    );
    const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect((listed.Uploads ?? []).map((u) => [u.Key, u.UploadId])).toEqual([[key, uploadId]]);
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    const after = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(after.Uploads ?? []).toEqual([]);
    expectNoLeftovers(root, bucket);
    expect(entries(root, bucket, "trash")).toEqual([]);
    client.destroy();
  });

  test("is rolled back by ListMultipartUploads alone", async () => {
    const root = freshRoot();
    const bucket = uniqueBucket("crash-list");
    const key = "big/listed.bin";
    const { uploadId } = await completeCutOff(root, bucket, key, 301);

    const host = await start(root, ["--sweep-interval", "1h"]);
    const client = s3Client(host);
    const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect((listed.Uploads ?? []).map((u) => [u.Key, u.UploadId])).toEqual([[key, uploadId]]);
    expect(entries(root, bucket, "completing")).toEqual([]);
    expect(entries(root, bucket, "tmp")).toEqual([]);
    client.destroy();
  });
});

describe("temp files of a host killed mid-PUT", () => {
  test("are removed by the other hosts' sweep, while their own slow uploads go on", async () => {
    const root = freshRoot();
    const bucket = uniqueBucket("crash-put");
    const [a, b, victim] = await Promise.all([
      start(root, ["--sweep-interval", "1s"]),
      start(root, ["--sweep-interval", "1s"]),
      start(root, ["--sweep-interval", "1h"]),
    ]);
    const client = s3Client(a);
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const tmp = () => entries(root, bucket, "tmp");

    // A slow upload on each surviving host, held open with its temp file in the staging area.
    const slow = [bytes(3 * MiB, 401), bytes(3 * MiB, 402)];
    const live = [];
    for (const [i, [host, key]] of (
      [
        [a!, "slow-a.bin"],
        [b!, "slow-b.bin"],
      ] as const
    ).entries()) {
      const upload = await streamingUpload(host, `/${bucket}/${key}`, slow[i]!.length);
      await upload.send(slow[i]!.subarray(0, MiB));
      expect(await waitFor(() => tmp().length === i + 1, 10_000, 20)).toBe(true);
      live.push(upload);
    }
    const liveTemps = tmp();

    const doomed = await streamingUpload(victim!, `/${bucket}/doomed.bin`, 3 * MiB);
    await doomed.send(bytes(MiB, 403));
    expect(await waitFor(() => tmp().length === 3, 10_000, 20)).toBe(true);
    const deadTemp = tmp().find((name) => !liveTemps.includes(name))!;
    await victim!.kill("SIGKILL");
    doomed.destroy();

    expect(await waitFor(() => !tmp().includes(deadTemp), 15_000, 50)).toBe(true);
    expect(tmp().sort()).toEqual([...liveTemps].sort());
    const leases = join(new Layout(root).systemDir(), "writers");
    expect(await waitFor(() => readdirSync(leases).length === 2, 15_000, 50)).toBe(true);

    for (const [i, upload] of live.entries()) {
      await upload.send(slow[i]!.subarray(MiB));
      const response = await upload.response();
      expect(response.status).toBe(200);
      expect(response.headers.get("etag")).toBe(`"${md5Hex(slow[i]!)}"`);
    }
    for (const [i, key] of ["slow-a.bin", "slow-b.bin"].entries()) {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(md5Hex(await got.Body!.transformToByteArray())).toBe(md5Hex(slow[i]!));
    }
    expect(tmp()).toEqual([]);
    const swept = [a!, b!].flatMap((h) => h.accessLog()).filter((l) => l.msg === "dead writers swept");
    expect(swept.map((l) => l.temps).reduce((x, y) => Number(x) + Number(y), 0)).toBe(1);
    client.destroy();
  });
});
