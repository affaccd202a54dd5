import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketEncryptionCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import {
  defaultTestRuntime,
  md5Hex,
  newCustomerKey,
  objectPath,
  py,
  s3Client,
  sdkFailure,
  signedFetch,
  startHost,
  uniqueBucket,
  useHost,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

const { server, s3, bucket } = useHost({ bucket: "sse", args: ["--allow-sse-c-over-http", "on"] });
const CHUNK = 64 * 1024;

const ssec = newCustomerKey().params;
const wrongSsec = newCustomerKey().params;

async function getBytes(key: string, extra: Record<string, string> = {}, range?: string) {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range, ...extra }));
  return { got, body: await got.Body!.transformToByteArray() };
}

const diskPath = (key: string) => `${server.root}/${bucket}/${key}`;

describe("SSE-S3", () => {
  const data = new Uint8Array(randomBytes(5 * CHUNK + 321));

  test("PUT, GET, HEAD: AES256 headers, plaintext MD5 ETag, ciphertext on disk", async () => {
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "s3/a.bin", Body: data, ServerSideEncryption: "AES256" }),
    );
    expect(put.ServerSideEncryption).toBe("AES256");
    expect(put.ETag).toBe(`"${md5Hex(data)}"`);
    const { got, body } = await getBytes("s3/a.bin");
    expect(got.ServerSideEncryption).toBe("AES256");
    expect(got.ContentLength).toBe(data.length);
    expect(Buffer.from(body).equals(Buffer.from(data))).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "s3/a.bin" }));
    expect(head.ServerSideEncryption).toBe("AES256");
    expect(head.ContentLength).toBe(data.length);
    const disk = readFileSync(diskPath("s3/a.bin"));
    expect(disk.length).toBe(data.length + 6 * 16);
    expect(disk.indexOf(Buffer.from(data.subarray(1000, 1032)))).toBe(-1);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "s3/" }));
    expect(listed.Contents?.[0]?.Size).toBe(data.length);
  });

  // Bun.serve (1.4.5) sends every streamed body chunked, whatever the stream's type or a
  // Content-Length header say; only in-memory and file bodies keep their length. A decrypted range
  // over IN_MEMORY_MAX is streamed, so on Bun hosts it still goes without one. Node hosts keep it.
  test.todoIf(defaultTestRuntime === "bun")(
    "a GET of an SSE-S3 object over 8 MiB carries Content-Length (SDK and boto3)",
    async () => {
      const big = new Uint8Array(randomBytes(9 * 1024 * 1024 + 7));
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: "s3/big.bin",
          Body: big,
          ServerSideEncryption: "AES256",
        }),
      );
      const { got, body } = await getBytes("s3/big.bin");
      expect(got.ContentLength).toBe(big.length);
      expect(Buffer.from(body).equals(Buffer.from(big))).toBe(true);
      const res = await py(
        server,
        `
        got = s3.get_object(Bucket="${bucket}", Key="s3/big.bin")
        out({"length": got.get("ContentLength"), "read": len(got["Body"].read())})
      `,
      );
      expect(res.json).toEqual({ length: big.length, read: big.length });
    },
  );

  test("Range GETs across chunk boundaries", async () => {
    for (const [a, b] of [
      [0, 0],
      [CHUNK - 1, CHUNK],
      [CHUNK - 100, 3 * CHUNK + 5],
      [4 * CHUNK, data.length + 50],
    ] as const) {
      const { got, body } = await getBytes("s3/a.bin", {}, `bytes=${a}-${b}`);
      const end = Math.min(b, data.length - 1);
      expect(got.ContentRange).toBe(`bytes ${a}-${end}/${data.length}`);
      expect(Buffer.from(body).equals(Buffer.from(data.subarray(a, end + 1)))).toBe(true);
    }
    const suffix = await getBytes("s3/a.bin", {}, "bytes=-10");
    expect(Buffer.from(suffix.body).equals(Buffer.from(data.subarray(data.length - 10)))).toBe(true);
  });

  test("plain objects carry no SSE header", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "plain.txt", Body: "plain" }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "plain.txt" }));
    expect(head.ServerSideEncryption).toBeUndefined();
    expect(readFileSync(diskPath("plain.txt"), "utf8")).toBe("plain");
  });

  test("a flipped byte on disk is an error, never altered bytes", async () => {
    const big = new Uint8Array(randomBytes(12 << 20));
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "s3/flip.bin", Body: big, ServerSideEncryption: "AES256" }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "s3/flip-small.bin",
        Body: data,
        ServerSideEncryption: "AES256",
      }),
    );
    for (const [key, at] of [
      ["s3/flip-small.bin", 2 * CHUNK + 7],
      ["s3/flip.bin", 9 << 20],
    ] as const) {
      const path = diskPath(key);
      const st = statSync(path, { bigint: true });
      const buf = readFileSync(path);
      buf[at]! ^= 0x01;
      await Bun.write(path, buf);
      const stamp = `@${st.mtimeNs / 1_000_000_000n}.${String(st.mtimeNs % 1_000_000_000n).padStart(9, "0")}`;
      // Keep size, inode and mtime as they were, so the record still matches the file.
      expect(Bun.spawnSync(["touch", "-m", "-d", stamp, path]).exitCode).toBe(0);
      expect(statSync(path, { bigint: true }).ino).toBe(st.ino);
    }
    const small = await sdkFailure(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: "s3/flip-small.bin" })),
    );
    expect(small.status).toBe(500);
    // The untouched first chunks of the big object still read; the whole object does not.
    const head = await getBytes("s3/flip.bin", {}, "bytes=0-1000");
    expect(Buffer.from(head.body).equals(Buffer.from(big.subarray(0, 1001)))).toBe(true);
    const res = await fetch(
      await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: "s3/flip.bin" })),
    );
    let failed = false;
    let received = 0;
    try {
      const whole = new Uint8Array(await res.arrayBuffer());
      received = whole.length;
      failed = received !== big.length || !Buffer.from(whole).equals(Buffer.from(big));
    } catch {
      failed = true;
    }
    expect(failed).toBe(true);
    expect(received).toBeLessThan(big.length);
  });

  test("a file rewritten through POSIX is not served", async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "s3/posix.bin",
        Body: "secret",
        ServerSideEncryption: "AES256",
      }),
    );
    await Bun.write(diskPath("s3/posix.bin"), "replaced in place by a POSIX writer");
    const f = await sdkFailure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "s3/posix.bin" })));
    expect(f.status).toBe(500);
  });

  test("presigned GET and conditional GET of an encrypted object", async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: "s3/a.bin" }));
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-amz-server-side-encryption")).toBe("AES256");
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(data))).toBe(true);
    const etag = `"${md5Hex(data)}"`;
    const notModified = await fetch(url, { headers: { "if-none-match": etag } });
    expect(notModified.status).toBe(304);
    const failed = await sdkFailure(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: "s3/a.bin", IfMatch: '"0000"' })),
    );
    expect(failed.status).toBe(412);
  });

  test("SSE header on GET is refused; unsupported methods get clear errors", async () => {
    const res = await signedFetch(server, `/${bucket}/s3/a.bin`, {
      headers: { "x-amz-server-side-encryption": "AES256" },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("InvalidArgument");
    // Dual-layer SSE-KMS is not offered (SSE-KMS itself is: sse-kms.test.ts).
    const dsse = await sdkFailure(
      s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: "kms", Body: "x", ServerSideEncryption: "aws:kms:dsse" }),
      ),
    );
    expect(dsse.status).toBe(501);
  });
});

describe("bucket default encryption", () => {
  const b2 = uniqueBucket("ssedef");
  test("put, get, applies to new objects, delete", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: b2 }));
    const none = await sdkFailure(s3.send(new GetBucketEncryptionCommand({ Bucket: b2 })));
    expect(none.name).toBe("ServerSideEncryptionConfigurationNotFoundError");
    expect(none.status).toBe(404);
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: b2,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
        },
      }),
    );
    const got = await s3.send(new GetBucketEncryptionCommand({ Bucket: b2 }));
    expect(
      got.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
    ).toBe("AES256");
    const put = await s3.send(new PutObjectCommand({ Bucket: b2, Key: "d.txt", Body: "by default" }));
    expect(put.ServerSideEncryption).toBe("AES256");
    expect(readFileSync(`${server.root}/${b2}/d.txt`).includes("by default")).toBe(false);
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: b2, Key: "d.txt" }));
    expect(await Body!.transformToString()).toBe("by default");
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: b2 }));
    expect((await sdkFailure(s3.send(new GetBucketEncryptionCommand({ Bucket: b2 })))).status).toBe(404);
    await Bun.sleep(1100);
    const plain = await s3.send(new PutObjectCommand({ Bucket: b2, Key: "p.txt", Body: "plain again" }));
    expect(plain.ServerSideEncryption).toBeUndefined();
    expect(readFileSync(`${server.root}/${b2}/p.txt`, "utf8")).toBe("plain again");
  });
});

describe("SSE-C", () => {
  const data = new Uint8Array(randomBytes(3 * CHUNK + 99));

  test("PUT, GET, HEAD with the key; ETag is not the plaintext MD5", async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "c/a.bin", Body: data, ...ssec }));
    expect(put.SSECustomerAlgorithm).toBe("AES256");
    expect(put.SSECustomerKeyMD5).toBe(ssec.SSECustomerKeyMD5);
    expect(put.ETag).not.toBe(`"${md5Hex(data)}"`);
    const { got, body } = await getBytes("c/a.bin", ssec);
    expect(got.SSECustomerAlgorithm).toBe("AES256");
    expect(got.SSECustomerKeyMD5).toBe(ssec.SSECustomerKeyMD5);
    expect(got.ETag).toBe(put.ETag);
    expect(Buffer.from(body).equals(Buffer.from(data))).toBe(true);
    const ranged = await getBytes("c/a.bin", ssec, `bytes=${CHUNK - 3}-${2 * CHUNK + 3}`);
    expect(Buffer.from(ranged.body).equals(Buffer.from(data.subarray(CHUNK - 3, 2 * CHUNK + 4)))).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "c/a.bin", ...ssec }));
    expect(head.ContentLength).toBe(data.length);
    expect(head.SSECustomerKeyMD5).toBe(ssec.SSECustomerKeyMD5);
  });

  test("without the key: 400 InvalidRequest; wrong key: 403 AccessDenied", async () => {
    const missing = await sdkFailure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "c/a.bin" })));
    expect(missing.status).toBe(400);
    expect(missing.name).toBe("InvalidRequest");
    expect(missing.message).toContain("The correct parameters must be provided to retrieve the object.");
    const headMissing = await sdkFailure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "c/a.bin" })));
    expect(headMissing.status).toBe(400);
    const wrong = await sdkFailure(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: "c/a.bin", ...wrongSsec })),
    );
    expect(wrong.status).toBe(403);
    expect(wrong.name).toBe("AccessDenied");
    const headWrong = await sdkFailure(
      s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "c/a.bin", ...wrongSsec })),
    );
    expect(headWrong.status).toBe(403);
  });

  test("bad key headers: MD5 mismatch, algorithm, short key, both modes", async () => {
    const res0 = await signedFetch(server, objectPath(bucket, "c/x"), {
      method: "PUT",
      body: "x",
      headers: {
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": ssec.SSECustomerKey,
        "x-amz-server-side-encryption-customer-key-md5": wrongSsec.SSECustomerKeyMD5,
      },
    });
    expect(res0.status).toBe(400);
    expect(await res0.text()).toContain("The calculated MD5 hash of the key did not match");
    const res = await py(
      server,
      `
      import base64, hashlib
      key = b"k" * 16
      def attempt(**kw):
          try:
              s3.put_object(Bucket="${bucket}", Key="c/y", Body=b"x", **kw)
              return "ok"
          except botocore.exceptions.ClientError as e:
              return [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
      out({
          "short": attempt(SSECustomerAlgorithm="AES256", SSECustomerKey=key),
          "alg": attempt(SSECustomerAlgorithm="AES128", SSECustomerKey=b"k" * 32),
          "both": attempt(ServerSideEncryption="AES256", SSECustomerAlgorithm="AES256", SSECustomerKey=b"k" * 32),
      })
    `,
    );
    expect(res.json).toEqual({
      short: ["InvalidArgument", 400],
      alg: ["InvalidArgument", 400],
      both: ["InvalidArgument", 400],
    });
  });

  test("boto3 round trip with SSE-C and SSE-S3", async () => {
    const res = await py(
      server,
      `
      key = os.urandom(32)
      body = os.urandom(300000)
      s3.put_object(Bucket="${bucket}", Key="py/c", Body=body, SSECustomerAlgorithm="AES256", SSECustomerKey=key)
      got = s3.get_object(Bucket="${bucket}", Key="py/c", SSECustomerAlgorithm="AES256", SSECustomerKey=key)
      r = s3.get_object(Bucket="${bucket}", Key="py/c", SSECustomerAlgorithm="AES256", SSECustomerKey=key, Range="bytes=65530-131080")
      s3.put_object(Bucket="${bucket}", Key="py/s", Body=body, ServerSideEncryption="AES256")
      g2 = s3.get_object(Bucket="${bucket}", Key="py/s")
      out({
          "c": got["Body"].read() == body,
          "alg": got.get("SSECustomerAlgorithm"),
          "range": r["Body"].read() == body[65530:131081],
          "s": g2["Body"].read() == body,
          "sse": g2.get("ServerSideEncryption"),
      })
    `,
    );
    expect(res.json).toEqual({ c: true, alg: "AES256", range: true, s: true, sse: "AES256" });
  });
});

describe("copy between modes, multipart", () => {
  const data = new Uint8Array(randomBytes(2 * CHUNK + 5000));

  test("plain → SSE-S3 → SSE-C → plain, and in place", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cp/plain", Body: data }));
    const toS3 = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "cp/s3",
        CopySource: `${bucket}/cp/plain`,
        ServerSideEncryption: "AES256",
      }),
    );
    expect(toS3.ServerSideEncryption).toBe("AES256");
    expect(toS3.CopyObjectResult?.ETag).toBe(`"${md5Hex(data)}"`);
    expect(readFileSync(diskPath("cp/s3")).length).toBe(data.length + 3 * 16);
    const toC = await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "cp/c", CopySource: `${bucket}/cp/s3`, ...ssec }),
    );
    expect(toC.SSECustomerAlgorithm).toBe("AES256");
    expect((await getBytes("cp/c", ssec)).body).toEqual(data);
    const noSourceKey = await sdkFailure(
      s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "cp/back", CopySource: `${bucket}/cp/c` })),
    );
    expect(noSourceKey.status).toBe(400);
    const wrongSourceKey = await sdkFailure(
      s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: "cp/back",
          CopySource: `${bucket}/cp/c`,
          CopySourceSSECustomerAlgorithm: "AES256",
          CopySourceSSECustomerKey: wrongSsec.SSECustomerKey,
          CopySourceSSECustomerKeyMD5: wrongSsec.SSECustomerKeyMD5,
        }),
      ),
    );
    expect(wrongSourceKey.status).toBe(403);
    const back = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "cp/back",
        CopySource: `${bucket}/cp/c`,
        CopySourceSSECustomerAlgorithm: "AES256",
        CopySourceSSECustomerKey: ssec.SSECustomerKey,
        CopySourceSSECustomerKeyMD5: ssec.SSECustomerKeyMD5,
      }),
    );
    expect(back.ServerSideEncryption).toBeUndefined();
    expect(back.CopyObjectResult?.ETag).toBe(`"${md5Hex(data)}"`);
    expect(readFileSync(diskPath("cp/back")).equals(Buffer.from(data))).toBe(true);
    // In place: encrypt an existing plain object by copying it onto itself.
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "cp/plain",
        CopySource: `${bucket}/cp/plain`,
        ServerSideEncryption: "AES256",
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "cp/plain" }));
    expect(head.ServerSideEncryption).toBe("AES256");
    expect((await getBytes("cp/plain")).body).toEqual(data);
  });

  test("SSE-S3 source copied without SSE headers is stored in plain", async () => {
    const r = await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "cp/s3-plain", CopySource: `${bucket}/cp/s3` }),
    );
    expect(r.ServerSideEncryption).toBeUndefined();
    expect(readFileSync(diskPath("cp/s3-plain")).equals(Buffer.from(data))).toBe(true);
  });
});

describe("SSE-C over plain HTTP", () => {
  test("is refused without --allow-sse-c-over-http", async () => {
    const strict = await startHost();
    const client = s3Client(strict);
    try {
      await client.send(new CreateBucketCommand({ Bucket: "strict" }));
      const f = await sdkFailure(
        client.send(new PutObjectCommand({ Bucket: "strict", Key: "k", Body: "x", ...ssec })),
      );
      expect(f.status).toBe(400);
      expect(f.name).toBe("InvalidRequest");
      expect(f.message).toContain("must be made over a secure connection");
    } finally {
      client.destroy();
      await strict.stop();
    }
  });
});
