import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import {
  aws,
  md5Hex,
  newCustomerKey,
  py,
  s3dirCli,
  sdkFailure,
  uniqueBucket,
  useHost,
} from "../helpers/index.ts";
import { bucketState } from "../helpers/util.ts";

setDefaultTimeout(90_000);

const MiB = 1 << 20;
const CHUNK = 64 * 1024;
const TAG = 16;
const PREFIX = 8;

const { server, s3, bucket } = useHost({ bucket: "ssemp", args: ["--allow-sse-c-over-http", "on"] });

const ssec = newCustomerKey().params;
const wrongSsec = newCustomerKey().params;

const diskPath = (key: string) => `${server.root}/${bucket}/${key}`;
/** Bytes on disk of a sealed part of n plaintext bytes. */
const sealedPart = (n: number) => PREFIX + n + Math.max(1, Math.ceil(n / CHUNK)) * TAG;
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

async function getBytes(key: string, extra: Record<string, unknown> = {}) {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }));
  return { got, body: await got.Body!.transformToByteArray() };
}

/** Uploads `parts` (part number → bytes) and completes; returns every response. */
async function multipart(key: string, parts: [number, Uint8Array][], create: object, partExtra: object) {
  const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...create }));
  const uploaded = [];
  for (const [PartNumber, Body] of parts) {
    const r = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: created.UploadId,
        PartNumber,
        Body,
        ...partExtra,
      }),
    );
    uploaded.push({ PartNumber, ETag: r.ETag!, response: r });
  }
  const completed = await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId: created.UploadId,
      MultipartUpload: { Parts: uploaded.map(({ PartNumber, ETag }) => ({ PartNumber, ETag })) },
    }),
  );
  return { created, uploaded, completed };
}

describe("SSE-S3 multipart", () => {
  const p1 = new Uint8Array(randomBytes(5 * MiB));
  const p2 = new Uint8Array(randomBytes(5 * MiB + 3));
  const p3 = new Uint8Array(randomBytes(CHUNK + 17));
  const whole = Buffer.concat([p1, p2, p3]);

  test("create, parts and Complete answer AES256; the object reads back whole, ciphertext on disk", async () => {
    const r = await multipart(
      "s3/mp.bin",
      [
        [1, p1],
        [2, p2],
        [3, p3],
      ],
      { ServerSideEncryption: "AES256" },
      {},
    );
    expect(r.created.ServerSideEncryption).toBe("AES256");
    for (const u of r.uploaded) {
      expect(u.response.ServerSideEncryption).toBe("AES256");
    }
    expect(r.uploaded[0]!.ETag).toBe(`"${md5Hex(p1)}"`);
    expect(r.completed.ServerSideEncryption).toBe("AES256");
    const md5s = Buffer.concat([p1, p2, p3].map((p) => Buffer.from(md5Hex(p), "hex")));
    expect(r.completed.ETag).toBe(`"${md5Hex(md5s)}-3"`);

    const { got, body } = await getBytes("s3/mp.bin");
    expect(got.ServerSideEncryption).toBe("AES256");
    // (Over 8 MiB, a Bun host streams an encrypted GET chunked: docs/operations.md says so.)
    expect(same(body, whole)).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "s3/mp.bin", PartNumber: 2 }));
    expect(head.PartsCount).toBe(3);
    expect(head.ContentLength).toBe(p2.length);

    const disk = readFileSync(diskPath("s3/mp.bin"));
    expect(disk.length).toBe(sealedPart(p1.length) + sealedPart(p2.length) + sealedPart(p3.length));
    expect(disk.indexOf(Buffer.from(p2.subarray(4096, 4128)))).toBe(-1);
    const attrs = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: "s3/mp.bin",
        ObjectAttributes: ["ObjectSize", "ObjectParts"],
      }),
    );
    expect(attrs.ObjectSize).toBe(whole.length);
    expect(attrs.ObjectParts?.TotalPartsCount).toBe(3);
  });

  test("Range GETs across part and chunk boundaries, and GET by part number", async () => {
    const b1 = p1.length;
    const b2 = p1.length + p2.length;
    for (const [a, b] of [
      [b1 - 1, b1],
      [b1 - CHUNK - 5, b2 + 10],
      [b2 - 1, b2 + CHUNK + 3],
      [b2 + CHUNK, whole.length - 1],
      [0, 9 * MiB],
      [123, 123],
    ] as const) {
      const { got, body } = await getBytes("s3/mp.bin", { Range: `bytes=${a}-${b}` });
      expect(got.ContentRange).toBe(`bytes ${a}-${b}/${whole.length}`);
      expect(same(body, whole.subarray(a, b + 1))).toBe(true);
    }
    const part3 = await getBytes("s3/mp.bin", { PartNumber: 3 });
    expect(part3.got.PartsCount).toBe(3);
    expect(same(part3.body, p3)).toBe(true);
  });

  test("ListParts shows plaintext sizes; an abort leaves nothing behind", async () => {
    const up = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: "s3/aborted", ServerSideEncryption: "AES256" }),
    );
    await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: "s3/aborted",
        UploadId: up.UploadId,
        PartNumber: 4,
        Body: p3,
      }),
    );
    const listed = await s3.send(
      new ListPartsCommand({ Bucket: bucket, Key: "s3/aborted", UploadId: up.UploadId }),
    );
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([[4, p3.length]]);
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: "s3/aborted", UploadId: up.UploadId }),
    );
    const uploads = bucketState(server.root, bucket, "uploads");
    expect(readdirSync(uploads)).toEqual([]);
  });

  test("swapped parts or an altered nonce prefix on disk fail the read, never altered bytes", async () => {
    const a = new Uint8Array(randomBytes(5 * MiB));
    const b = new Uint8Array(randomBytes(5 * MiB));
    await multipart(
      "s3/swap.bin",
      [
        [1, a],
        [2, b],
      ],
      { ServerSideEncryption: "AES256" },
      {},
    );
    const path = diskPath("s3/swap.bin");
    const disk = readFileSync(path);
    const size = sealedPart(a.length);
    // Same length, same mtime-independent layout: only the part binding can tell them apart.
    const swapped = Buffer.concat([disk.subarray(size), disk.subarray(0, size)]);
    const fd = openSync(path, "r+");
    writeSync(fd, swapped, 0, swapped.length, 0);
    closeSync(fd);
    const f = await sdkFailure(
      (async () => {
        const got = await s3.send(
          new GetObjectCommand({ Bucket: bucket, Key: "s3/swap.bin", Range: "bytes=0-99" }),
        );
        return await got.Body!.transformToByteArray();
      })(),
    );
    expect(f.status).toBeGreaterThanOrEqual(500);

    await multipart(
      "s3/prefix.bin",
      [
        [1, a],
        [2, p3],
      ],
      { ServerSideEncryption: "AES256" },
      {},
    );
    const p = diskPath("s3/prefix.bin");
    const fd2 = openSync(p, "r+");
    writeSync(fd2, Buffer.from([0xff ^ readFileSync(p)[size + 3]!]), 0, 1, size + 3);
    closeSync(fd2);
    const bad = await sdkFailure(
      s3.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: "s3/prefix.bin",
          Range: `bytes=${a.length}-${a.length + 9}`,
        }),
      ),
    );
    expect(bad.status).toBeGreaterThanOrEqual(500);
  });
});

describe("SSE-C multipart", () => {
  const p1 = new Uint8Array(randomBytes(5 * MiB + 1));
  const p2 = new Uint8Array(randomBytes(2 * CHUNK + 9));
  const whole = Buffer.concat([p1, p2]);

  test("every part needs the upload's key; the object needs it to be read; part numbers may skip", async () => {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "c/mp", ...ssec }));
    expect(created.SSECustomerAlgorithm).toBe("AES256");
    expect(created.SSECustomerKeyMD5).toBe(ssec.SSECustomerKeyMD5);
    const base = { Bucket: bucket, Key: "c/mp", UploadId: created.UploadId };

    const missing = await sdkFailure(s3.send(new UploadPartCommand({ ...base, PartNumber: 3, Body: p1 })));
    expect([missing.status, missing.name]).toEqual([400, "InvalidRequest"]);
    expect(missing.message).toContain(
      "Subsequent part requests must include the appropriate encryption parameters",
    );
    const wrong = await sdkFailure(
      s3.send(new UploadPartCommand({ ...base, PartNumber: 3, Body: p1, ...wrongSsec })),
    );
    expect([wrong.status, wrong.name]).toEqual([400, "InvalidRequest"]);
    const u3 = await s3.send(new UploadPartCommand({ ...base, PartNumber: 3, Body: p1, ...ssec }));
    expect(u3.SSECustomerAlgorithm).toBe("AES256");
    expect(u3.SSECustomerKeyMD5).toBe(ssec.SSECustomerKeyMD5);
    // Not the plaintext MD5: that would let anyone test a guess of the content.
    expect(u3.ETag).not.toBe(`"${md5Hex(p1)}"`);
    const u7 = await s3.send(new UploadPartCommand({ ...base, PartNumber: 7, Body: p2, ...ssec }));
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        ...base,
        MultipartUpload: {
          Parts: [
            { PartNumber: 3, ETag: u3.ETag },
            { PartNumber: 7, ETag: u7.ETag },
          ],
        },
      }),
    );
    expect(done.ETag).toMatch(/-2"$/);

    const noKey = await sdkFailure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "c/mp" })));
    expect(noKey.status).toBe(400);
    const badKey = await sdkFailure(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: "c/mp", ...wrongSsec })),
    );
    expect(badKey.status).toBe(403);
    const { got, body } = await getBytes("c/mp", ssec);
    expect(got.SSECustomerAlgorithm).toBe("AES256");
    expect(same(body, whole)).toBe(true);
    const range = await getBytes("c/mp", { ...ssec, Range: `bytes=${p1.length - 3}-${p1.length + CHUNK}` });
    expect(same(range.body, whole.subarray(p1.length - 3, p1.length + CHUNK + 1))).toBe(true);
    const second = await getBytes("c/mp", { ...ssec, PartNumber: 2 });
    expect(same(second.body, p2)).toBe(true);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "c/mp" }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([["c/mp", whole.length]]);
  });

  test("Complete with another customer key is refused and keeps the upload; CopyObject re-seals the whole object", async () => {
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: "c/again", ...ssec }),
    );
    const base = { Bucket: bucket, Key: "c/again", UploadId: created.UploadId };
    const u1 = await s3.send(new UploadPartCommand({ ...base, PartNumber: 1, Body: p2, ...ssec }));
    const parts = { MultipartUpload: { Parts: [{ PartNumber: 1, ETag: u1.ETag }] } };
    const bad = await sdkFailure(
      s3.send(new CompleteMultipartUploadCommand({ ...base, ...parts, ...wrongSsec })),
    );
    expect([bad.status, bad.name]).toEqual([400, "InvalidRequest"]);
    const done = await s3.send(new CompleteMultipartUploadCommand({ ...base, ...parts, ...ssec }));
    expect(done.ETag).toMatch(/-1"$/);

    const copied = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "c/mp-copy",
        CopySource: `${bucket}/c/mp`,
        CopySourceSSECustomerAlgorithm: "AES256",
        CopySourceSSECustomerKey: ssec.SSECustomerKey,
        CopySourceSSECustomerKeyMD5: ssec.SSECustomerKeyMD5,
        ServerSideEncryption: "AES256",
      }),
    );
    expect(copied.ServerSideEncryption).toBe("AES256");
    expect(copied.CopyObjectResult?.ETag).toBe(`"${md5Hex(whole)}"`);
    const { body } = await getBytes("c/mp-copy");
    expect(same(body, whole)).toBe(true);
  });

  test("UploadPartCopy decrypts its source and seals under the upload's key", async () => {
    const plain = new Uint8Array(randomBytes(3 * CHUNK + 1));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "c/src-plain", Body: plain }));
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: "c/copied", ...ssec }),
    );
    const base = { Bucket: bucket, Key: "c/copied", UploadId: created.UploadId };
    // Part 1: 5 MiB + 1 from the SSE-C multipart object above (its own key as the copy-source key).
    const c1 = await s3.send(
      new UploadPartCopyCommand({
        ...base,
        PartNumber: 1,
        CopySource: `${bucket}/c/mp`,
        CopySourceRange: `bytes=0-${p1.length - 1}`,
        CopySourceSSECustomerAlgorithm: "AES256",
        CopySourceSSECustomerKey: ssec.SSECustomerKey,
        CopySourceSSECustomerKeyMD5: ssec.SSECustomerKeyMD5,
        ...ssec,
      }),
    );
    expect(c1.SSECustomerAlgorithm).toBe("AES256");
    const noSourceKey = await sdkFailure(
      s3.send(new UploadPartCopyCommand({ ...base, PartNumber: 2, CopySource: `${bucket}/c/mp`, ...ssec })),
    );
    expect(noSourceKey.status).toBe(400);
    // Part 2: a range of a plain object, across chunk boundaries.
    const c2 = await s3.send(
      new UploadPartCopyCommand({
        ...base,
        PartNumber: 2,
        CopySource: `${bucket}/c/src-plain`,
        CopySourceRange: `bytes=${CHUNK - 7}-${2 * CHUNK + 7}`,
        ...ssec,
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        ...base,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: c1.CopyPartResult!.ETag },
            { PartNumber: 2, ETag: c2.CopyPartResult!.ETag },
          ],
        },
      }),
    );
    const { body } = await getBytes("c/copied", ssec);
    expect(same(body, Buffer.concat([p1, plain.subarray(CHUNK - 7, 2 * CHUNK + 8)]))).toBe(true);
  });

  test("a part copied from an SSE-S3 object into a plain upload is stored in plain", async () => {
    const data = new Uint8Array(randomBytes(CHUNK * 2 + 3));
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "c/s3-src", Body: data, ServerSideEncryption: "AES256" }),
    );
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "c/plain-dst" }));
    const base = { Bucket: bucket, Key: "c/plain-dst", UploadId: created.UploadId };
    const c1 = await s3.send(
      new UploadPartCopyCommand({ ...base, PartNumber: 1, CopySource: `${bucket}/c/s3-src` }),
    );
    expect(c1.CopyPartResult?.ETag).toBe(`"${md5Hex(data)}"`);
    await s3.send(
      new CompleteMultipartUploadCommand({
        ...base,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: c1.CopyPartResult!.ETag }] },
      }),
    );
    expect(same(readFileSync(diskPath("c/plain-dst")), data)).toBe(true);
  });
});

describe("clients that upload in parts", () => {
  test("the JS SDK's Upload and the AWS CLI into a bucket with default encryption", async () => {
    const enc = uniqueBucket("ssedef");
    await s3.send(new CreateBucketCommand({ Bucket: enc }));
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: enc,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
        },
      }),
    );
    const data = new Uint8Array(randomBytes(11 * MiB + 5));
    const up = await new Upload({
      client: s3,
      params: { Bucket: enc, Key: "lib-storage.bin", Body: data },
      partSize: 5 * MiB,
    }).done();
    expect(up.ETag).toMatch(/-3"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: enc, Key: "lib-storage.bin" }));
    expect(got.ServerSideEncryption).toBe("AES256");
    expect(same(await got.Body!.transformToByteArray(), data)).toBe(true);

    const local = `${server.root}/../cli-upload.bin`;
    writeFileSync(local, data);
    const cp = await aws(server, ["s3", "cp", local, `s3://${enc}/cli.bin`]);
    expect(cp.code).toBe(0);
    const head = await aws(server, ["s3api", "head-object", "--bucket", enc, "--key", "cli.bin"]);
    const info = JSON.parse(head.stdout) as {
      ServerSideEncryption?: string;
      ContentLength: number;
      ETag: string;
    };
    expect(info.ServerSideEncryption).toBe("AES256");
    expect(info.ContentLength).toBe(data.length);
    expect(info.ETag).toMatch(/-\d+"$/);
    const back = `${server.root}/../cli-download.bin`;
    expect((await aws(server, ["s3", "cp", `s3://${enc}/cli.bin`, back])).code).toBe(0);
    expect(same(readFileSync(back), data)).toBe(true);
  });

  test("boto3 upload_file and download_file in parts with SSE-C", async () => {
    const res = await py(
      server,
      `
      from boto3.s3.transfer import TransferConfig
      key = os.urandom(32)
      body = os.urandom(13 * 1024 * 1024 + 11)
      src = os.environ["TMP_SRC"]
      dst = os.environ["TMP_DST"]
      open(src, "wb").write(body)
      cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
      extra = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}
      s3.upload_file(src, "${bucket}", "py/big", ExtraArgs=extra, Config=cfg)
      s3.download_file("${bucket}", "py/big", dst, ExtraArgs=extra, Config=cfg)
      head = s3.head_object(Bucket="${bucket}", Key="py/big", **extra)
      try:
          s3.get_object(Bucket="${bucket}", Key="py/big")
          refused = False
      except botocore.exceptions.ClientError as e:
          refused = e.response["ResponseMetadata"]["HTTPStatusCode"]
      out({"same": open(dst, "rb").read() == body, "etag": head["ETag"], "alg": head.get("SSECustomerAlgorithm"), "refused": refused})
    `,
      { env: { TMP_SRC: `${server.root}/../py-src.bin`, TMP_DST: `${server.root}/../py-dst.bin` } },
    );
    const out = res.json as { same: boolean; etag: string; alg: string; refused: number };
    expect(out.same).toBe(true);
    expect(out.etag).toMatch(/-3"$/);
    expect(out.alg).toBe("AES256");
    expect(out.refused).toBe(400);
  });
});

test("a master key rotation while an upload is in progress rewraps it; the object reads back", async () => {
  const rot = uniqueBucket("ssemprot");
  await s3.send(new CreateBucketCommand({ Bucket: rot }));
  const p1 = new Uint8Array(randomBytes(5 * MiB));
  const p2 = new Uint8Array(randomBytes(1000));
  const created = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: rot, Key: "k", ServerSideEncryption: "AES256" }),
  );
  const base = { Bucket: rot, Key: "k", UploadId: created.UploadId };
  const u1 = await s3.send(new UploadPartCommand({ ...base, PartNumber: 1, Body: p1 }));
  const r = await s3dirCli(server.root, "master-key", "rotate", "--grace", "0", "--json");
  expect(r.code).toBe(0);
  const rotation = JSON.parse(r.stdout) as { current: string; rewrapped: number; dropped: string[] };
  expect(rotation.rewrapped).toBeGreaterThanOrEqual(1);
  const uploadFile = bucketState(server.root, rot, "uploads", created.UploadId!, "upload.json");
  expect((JSON.parse(readFileSync(uploadFile, "utf8")) as { sse: { k: string } }).sse.k).toBe(
    rotation.current,
  );
  await Bun.sleep(1100); // hosts re-read the key ring within a second
  const u2 = await s3.send(new UploadPartCommand({ ...base, PartNumber: 2, Body: p2 }));
  await s3.send(
    new CompleteMultipartUploadCommand({
      ...base,
      MultipartUpload: {
        Parts: [
          { PartNumber: 1, ETag: u1.ETag },
          { PartNumber: 2, ETag: u2.ETag },
        ],
      },
    }),
  );
  const got = await s3.send(new GetObjectCommand({ Bucket: rot, Key: "k" }));
  expect(same(await got.Body!.transformToByteArray(), Buffer.concat([p1, p2]))).toBe(true);
});
