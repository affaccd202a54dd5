/**
 * FIFOs, sockets and device nodes that a POSIX user puts in a bucket are never objects: every
 * operation that meets one answers at once as if it were absent, and the host keeps serving.
 * (Opening a FIFO for reading blocks until a writer appears: without care one GET froze the host.)
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import {
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { sdkFailure, useHost } from "../helpers/index.ts";

setDefaultTimeout(60_000);

// A process: a host that blocked on a FIFO would block this test process too, and hang it.
const { server, s3, bucket } = useHost({ bucket: "special", process: true });
let socketServer: Server | undefined;

function run(cmd: string[]): void {
  const r = Bun.spawnSync(cmd, { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${r.stderr.toString()}`);
}

/** The call must settle within a few seconds: a blocked host never answers. */
async function quickly<T>(what: string, call: Promise<T>, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (host blocked?)`)), ms);
  });
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function expectLive(): Promise<void> {
  const r = await quickly("/health/live", fetch(`${server.endpoint}/health/live`));
  expect(r.status).toBe(200);
}

beforeAll(async () => {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a/real.txt", Body: "real" }));
  const dir = join(server.root, bucket);
  run(["mkfifo", join(dir, "fifo")]);
  run(["mkfifo", join(dir, "a", "pipe")]);
  mkdirSync(join(dir, "dev"));
  run(["mknod", join(dir, "dev", "null"), "c", "1", "3"]);
  socketServer = createServer();
  await new Promise<void>((resolve) => socketServer!.listen(join(dir, "sock"), resolve));
});
afterAll(async () => {
  await new Promise((resolve) => (socketServer ? socketServer.close(resolve) : resolve(undefined)));
});

describe("special files are absent", () => {
  for (const key of ["fifo", "a/pipe", "sock", "dev/null"]) {
    test(`GET and HEAD of ${key}: NoSuchKey, at once`, async () => {
      const get = await quickly(
        `GET ${key}`,
        sdkFailure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))),
      );
      expect(get).toMatchObject({ name: "NoSuchKey", status: 404 });
      const head = await quickly(
        `HEAD ${key}`,
        sdkFailure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))),
      );
      expect(head.status).toBe(404);
      await expectLive();
    });
  }

  test("CopyObject from a FIFO: NoSuchKey", async () => {
    const f = await quickly(
      "CopyObject",
      sdkFailure(
        s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy", CopySource: `${bucket}/fifo` })),
      ),
    );
    expect(f).toMatchObject({ name: "NoSuchKey", status: 404 });
    await expectLive();
  });

  test("UploadPartCopy from a FIFO: NoSuchKey", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp" }));
    const f = await quickly(
      "UploadPartCopy",
      sdkFailure(
        s3.send(
          new UploadPartCopyCommand({
            Bucket: bucket,
            Key: "mp",
            UploadId,
            PartNumber: 1,
            CopySource: `${bucket}/a/pipe`,
          }),
        ),
      ),
    );
    expect(f).toMatchObject({ name: "NoSuchKey", status: 404 });
    await expectLive();
  });

  test("listing skips them", async () => {
    const all = await quickly("ListObjectsV2", s3.send(new ListObjectsV2Command({ Bucket: bucket })));
    expect((all.Contents ?? []).map((o) => o.Key)).toEqual(["a/real.txt"]);
    const a = await quickly(
      "ListObjectsV2 a/",
      s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "a/", Delimiter: "/" })),
    );
    expect((a.Contents ?? []).map((o) => o.Key)).toEqual(["a/real.txt"]);
  });

  test("a FIFO in place of a directory of the key", async () => {
    const get = await quickly(
      "GET fifo/x",
      sdkFailure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "fifo/x" }))),
    );
    expect(get).toMatchObject({ name: "NoSuchKey", status: 404 });
    // Never opened: the key is kept in the alternate area (<bucket>/.s3dir/keys) instead.
    await quickly(
      "PUT fifo/x",
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "fifo/x/y", Body: "x" })),
    );
    await quickly("DELETE fifo/x", s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "fifo/x/y" })));
    await expectLive();
  });

  test("a conditional PUT over a FIFO does not open it", async () => {
    const f = await quickly(
      "PUT If-Match",
      sdkFailure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "fifo", Body: "x", IfMatch: '"abc"' }))),
    );
    expect(f).toMatchObject({ name: "NoSuchKey", status: 404 });
    await expectLive();
  });

  test("the host keeps answering", async () => {
    await expectLive();
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a/real.txt" }));
    expect(await got.Body?.transformToString()).toBe("real");
  });
});
