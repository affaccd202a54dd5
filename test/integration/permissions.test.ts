/**
 * Files and directories the server's user may not read or write (chmod by a POSIX user): the
 * request that meets one gets 403 AccessDenied saying so, listings skip what they cannot read,
 * and the rest of the bucket keeps working. The server runs as an unprivileged user: root would
 * bypass every permission check.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  s3Client,
  sdkFailure,
  settled,
  startServer,
  type TestServer,
  uniqueBucket,
  walk,
} from "../helpers/index.ts";
import { chownTree, ensureTestUser } from "../helpers/unprivileged.ts";

setDefaultTimeout(120_000);

let server: TestServer;
let s3: S3Client;
const bucket = uniqueBucket("perm");
const dir = () => join(server.root, bucket);

beforeAll(async () => {
  server = await startServer({ user: ensureTestUser() });
  s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const key of ["open.txt", "secret.txt", "locked/inside.txt", "ok/x.txt", "readonly/r.txt"]) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
  }
  mkdirSync(join(dir(), "locked", "deeper"));
  chownTree(join(dir(), "locked"), ensureTestUser());
  chmodSync(join(dir(), "secret.txt"), 0o000);
  chmodSync(join(dir(), "locked"), 0o000);
  chmodSync(join(dir(), "readonly"), 0o555);
});
afterAll(async () => {
  s3?.destroy();
  if (server) {
    chmodSync(join(dir(), "locked"), 0o755);
    chmodSync(join(dir(), "readonly"), 0o755);
  }
  await server?.stop();
});

describe("unreadable objects", () => {
  test("GET and HEAD of an unreadable file: 403 AccessDenied", async () => {
    const get = await sdkFailure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "secret.txt" })));
    expect(get).toMatchObject({ name: "AccessDenied", status: 403 });
    expect(get.message).toMatch(/permission denied/i);
    const head = await sdkFailure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "secret.txt" })));
    expect(head.status).toBe(403);
  });

  test("GET below an untraversable directory: 403 AccessDenied", async () => {
    const get = await sdkFailure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "locked/inside.txt" })));
    expect(get).toMatchObject({ name: "AccessDenied", status: 403 });
  });

  test("readable objects are still served", async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "open.txt" }));
    expect(await got.Body?.transformToString()).toBe("open.txt");
  });
});

describe("listing around an unreadable directory", () => {
  test("the bucket lists, without what cannot be read", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      const keys = (r.Contents ?? []).map((o) => o.Key);
      expect(keys).toContain("open.txt");
      expect(keys).toContain("ok/x.txt");
      expect(keys).toContain("readonly/r.txt");
      expect(keys).not.toContain("locked/inside.txt");
    }
    const withDelimiter = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" }));
    expect((withDelimiter.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(["ok/", "readonly/"]);
  });

  test("a prefix inside it lists empty", async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "locked/" }));
    expect(r.Contents ?? []).toEqual([]);
  });

  test("the skipped directory is logged once, not per request", async () => {
    await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const count = await settled(
      () => server.logs().filter((l) => l.includes("not readable") && l.includes(`${bucket}/locked`)).length,
    );
    expect(count).toBe(1);
  });
});

describe("writes below what the server may not write", () => {
  test("PUT into an unreadable directory: 403 AccessDenied", async () => {
    const f = await sdkFailure(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "locked/new.txt", Body: "x" })),
    );
    expect(f).toMatchObject({ name: "AccessDenied", status: 403 });
    expect(f.message).toMatch(/permission denied/i);
    const deeper = await sdkFailure(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: "locked/deeper/new.txt", Body: "x" })),
    );
    expect(deeper).toMatchObject({ name: "AccessDenied", status: 403 });
  });

  test("PUT into a read-only directory: 403 AccessDenied", async () => {
    for (const key of ["readonly/new.txt", "readonly/sub/new.txt"]) {
      const f = await sdkFailure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" })));
      expect(f).toMatchObject({ name: "AccessDenied", status: 403 });
    }
  });

  test("no temp file is left and the rest of the bucket takes writes", async () => {
    expect(walk(server.root).filter((p) => /(^|\/)put-/.test(p))).toEqual([]);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "ok/y.txt", Body: "y" }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "ok/y.txt" }));
    expect(await got.Body?.transformToString()).toBe("y");
  });
});
