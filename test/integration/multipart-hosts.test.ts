/**
 * Multipart state lives in the shared root: parts sent to two server processes are completed
 * by a third; concurrent Completes of one upload have exactly one winner; and incomplete uploads
 * past the configured age are removed by the servers themselves.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import {
  bytes,
  md5Hex,
  s3Client,
  sdkFailure,
  startHost,
  type TestServer,
  uniqueBucket,
  waitFor,
} from "../helpers/index.ts";
import { bucketState } from "../helpers/util.ts";

setDefaultTimeout(60_000);

const MiB = 1024 * 1024;
let hosts: TestServer[] = [];
let clients: S3Client[] = [];
const bucket = uniqueBucket("mpu-hosts");

beforeAll(async () => {
  const first = await startHost({ args: ["--multipart-expiry", "3s"] });
  const others = await Promise.all([
    startHost({ root: first.root }),
    startHost({ root: first.root, args: ["--multipart-expiry", "3s"] }),
  ]);
  hosts = [first, ...others];
  clients = hosts.map((h) => s3Client(h));
  await clients[0]!.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  for (const h of [...hosts].reverse()) await h.stop();
});

async function uploadOn(client: S3Client, key: string, id: string, n: number, body: Uint8Array) {
  const r = await client.send(
    new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: id, PartNumber: n, Body: body }),
  );
  return { PartNumber: n, ETag: r.ETag! };
}

describe("multipart across hosts", () => {
  test("parts sent to two hosts, Complete sent to a third", async () => {
    const [a, b, c] = clients as [S3Client, S3Client, S3Client];
    const created = await a.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "hosts/obj.bin" }));
    const id = created.UploadId!;
    const data = [bytes(5 * MiB, 51), bytes(5 * MiB, 52), bytes(5 * MiB, 53), bytes(999, 54)];
    const parts = await Promise.all(
      data.map((d, i) => uploadOn(i % 2 === 0 ? a : b, "hosts/obj.bin", id, i + 1, d)),
    );
    const done = await c.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "hosts/obj.bin",
        UploadId: id,
        MultipartUpload: { Parts: parts },
      }),
    );
    expect(done.ETag).toMatch(/-4"$/);
    for (const client of clients) {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "hosts/obj.bin" }));
      expect(Buffer.compare(Buffer.from(await got.Body!.transformToByteArray()), Buffer.concat(data))).toBe(
        0,
      );
    }
  });

  test("two concurrent Completes of one upload on different hosts: one assembles, the other agrees or finds no upload", async () => {
    for (let round = 0; round < 3; round++) {
      const key = `hosts/race-${round}.bin`;
      const created = await clients[0]!.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      const id = created.UploadId!;
      const parts = [
        await uploadOn(clients[0]!, key, id, 1, bytes(5 * MiB, 60 + round)),
        await uploadOn(clients[1]!, key, id, 2, bytes(1000, 70 + round)),
      ];
      const outcomes = await Promise.allSettled(
        clients.map((client) =>
          client.send(
            new CompleteMultipartUploadCommand({
              Bucket: bucket,
              Key: key,
              UploadId: id,
              MultipartUpload: { Parts: parts },
            }),
          ),
        ),
      );
      // One Complete assembles the object; one that lost the claim answers NoSuchUpload, or, once the
      // winner has finished, the same result (a repeated Complete, as on S3).
      const winners = outcomes.filter((o) => o.status === "fulfilled");
      expect(winners.length).toBeGreaterThanOrEqual(1);
      expect(new Set(winners.map((o) => o.value.ETag)).size).toBe(1);
      for (const o of outcomes) {
        if (o.status === "rejected") expect((o.reason as { name?: string }).name).toBe("NoSuchUpload");
      }
      const got = await clients[2]!.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = Buffer.from(await got.Body!.transformToByteArray());
      expect(md5Hex(body)).toBe(md5Hex(Buffer.concat([bytes(5 * MiB, 60 + round), bytes(1000, 70 + round)])));
    }
  });

  test("an incomplete upload older than --multipart-expiry is removed by the servers", async () => {
    const created = await clients[1]!.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: "hosts/stale.bin" }),
    );
    const id = created.UploadId!;
    await uploadOn(clients[1]!, "hosts/stale.bin", id, 1, bytes(1000, 80));
    const dir = bucketState(hosts[0]!.root, bucket, "uploads", id);
    expect(existsSync(dir)).toBe(true);
    expect(await waitFor(() => !existsSync(dir), 15_000, 200)).toBe(true);
    const listed = await clients[1]!.send(
      new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: "hosts/stale" }),
    );
    expect(listed.Uploads ?? []).toEqual([]);
    const late = await sdkFailure(
      clients[1]!.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: "hosts/stale.bin",
          UploadId: id,
          PartNumber: 2,
          Body: "x",
        }),
      ),
    );
    expect(late.name).toBe("NoSuchUpload");
    expect(readdirSync(bucketState(hosts[0]!.root, bucket, "trash"))).toEqual([]);
    const swept = hosts.flatMap((h) => h.accessLog()).filter((l) => l.msg === "multipart uploads swept");
    expect(swept.length).toBeGreaterThanOrEqual(1);
  });
});
