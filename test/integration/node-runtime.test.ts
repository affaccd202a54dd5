/**
 * A Bun host and a Node host (dist/node/s3dir.mjs) serving ONE root, as hosts of a mixed cluster
 * would: what either writes the other reads identically (bytes, ETag, content headers, user
 * metadata), multipart state is shared, and a conditional create racing on both has one winner.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import {
  errorCodeOf,
  md5Hex,
  objectPath,
  rawRequest,
  s3Client,
  sdkFailure,
  signedFetch,
  startServer,
  type TestServer,
  uniqueBucket,
  xmlValue,
} from "../helpers/index.ts";

setDefaultTimeout(60_000);

let bunHost: TestServer;
let nodeHost: TestServer;
let viaBun: S3Client;
let viaNode: S3Client;
const bucket = uniqueBucket("mixed");

beforeAll(async () => {
  bunHost = await startServer({ runtime: "bun" });
  nodeHost = await startServer({ runtime: "node", root: bunHost.root });
  viaBun = s3Client(bunHost);
  viaNode = s3Client(nodeHost);
  await viaBun.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  viaBun?.destroy();
  viaNode?.destroy();
  await nodeHost?.stop();
  await bunHost?.stop();
});

function bytes(size: number, seed: number): Uint8Array {
  return new Uint8Array(size).map((_, i) => (i * 7 + seed + (i >> 11)) & 0xff);
}

async function readBack(client: S3Client, key: string) {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return {
    body: Buffer.from(await got.Body!.transformToByteArray()),
    etag: got.ETag,
    contentType: got.ContentType,
    contentLength: got.ContentLength,
    cacheControl: got.CacheControl,
    metadata: got.Metadata,
  };
}

describe("one root, a Bun host and a Node host", () => {
  for (const [from, to] of [
    ["bun", "node"],
    ["node", "bun"],
  ] as const) {
    for (const size of [5, 3 * 1024 * 1024 + 1]) {
      test(`an object of ${size} bytes written through ${from} reads identically through ${to}`, async () => {
        const writer = from === "bun" ? viaBun : viaNode;
        const reader = to === "bun" ? viaBun : viaNode;
        const key = `from-${from}/${size}/é ü.bin`;
        const body = bytes(size, size % 251);
        const put = await writer.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: "application/x-mixed",
            CacheControl: "max-age=60",
            Metadata: { origin: from, note: "same bytes" },
          }),
        );
        expect(put.ETag).toBe(`"${md5Hex(body)}"`);
        const there = await readBack(reader, key);
        const here = await readBack(writer, key);
        expect(there.body.equals(Buffer.from(body))).toBe(true);
        expect(there).toEqual(here);
        expect(there.contentType).toBe("application/x-mixed");
        expect(there.metadata).toEqual({ origin: from, note: "same bytes" });
        expect(there.contentLength).toBe(size);
      });
    }
  }

  test("a ranged GET of a large object carries Content-Length on both", async () => {
    const key = "ranged.bin";
    const body = bytes(2 * 1024 * 1024 + 5, 3);
    await viaNode.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    for (const host of [bunHost, nodeHost]) {
      const whole = await signedFetch(host, objectPath(bucket, key));
      expect(whole.headers.get("content-length")).toBe(String(body.length));
      expect(Buffer.from(await whole.arrayBuffer()).equals(Buffer.from(body))).toBe(true);
      const part = await signedFetch(host, objectPath(bucket, key), {
        headers: { range: "bytes=1048570-1048585" },
      });
      expect(part.status).toBe(206);
      expect(part.headers.get("content-length")).toBe("16");
      expect(Buffer.from(await part.arrayBuffer()).equals(Buffer.from(body.subarray(1048570, 1048586)))).toBe(
        true,
      );
    }
  });

  test("a multipart upload started on Node takes parts through Bun and completes on Node", async () => {
    const key = "multi.bin";
    const parts = [bytes(5 * 1024 * 1024, 1), bytes(1234, 2)];
    const { UploadId } = await viaNode.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const etags: string[] = [];
    for (const [i, part] of parts.entries()) {
      const client = i % 2 === 0 ? viaBun : viaNode;
      const up = await client.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: part }),
      );
      etags.push(up.ETag!);
    }
    const done = await viaNode.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    expect(done.ETag).toMatch(/-2"$/);
    const got = await readBack(viaBun, key);
    expect(got.body.equals(Buffer.concat(parts))).toBe(true);
    expect(got.etag).toBe(done.ETag);
  });

  test("If-None-Match: * racing on both hosts has exactly one winner", async () => {
    for (let round = 0; round < 8; round++) {
      const key = `race/${round}`;
      const attempts = [bunHost, nodeHost, bunHost, nodeHost].map((host, i) =>
        signedFetch(host, objectPath(bucket, key), {
          method: "PUT",
          headers: { "if-none-match": "*" },
          body: `writer ${i} of round ${round}`,
        }).then(async (r) => ({ i, status: r.status, text: await r.text() })),
      );
      const results = await Promise.all(attempts);
      const winners = results.filter((r) => r.status === 200);
      expect(winners.length).toBe(1);
      for (const r of results) if (r.status !== 200) expect([409, 412]).toContain(r.status);
      const expected = `writer ${winners[0]!.i} of round ${round}`;
      for (const client of [viaBun, viaNode]) {
        expect((await readBack(client, key)).body.toString()).toBe(expected);
      }
    }
  });
});

describe("s3dir serve --runtime node", () => {
  test("under Bun it runs the Node build, which answers, and stops with it on SIGTERM", async () => {
    const host = await startServer({ runtime: "bun", root: bunHost.root, args: ["--runtime", "node"] });
    let child = 0;
    try {
      const children = readFileSync(`/proc/${host.pid}/task/${host.pid}/children`, "utf8")
        .trim()
        .split(/\s+/);
      const commands = children.map((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0"));
      const node = commands.findIndex((argv) => argv.some((arg) => arg.endsWith("dist/node/s3dir.mjs")));
      expect(node).toBeGreaterThanOrEqual(0);
      child = Number(children[node]);
      await viaBun.send(new PutObjectCommand({ Bucket: bucket, Key: "served/by-node.txt", Body: "hello" }));
      const client = s3Client(host);
      const got = await readBack(client, "served/by-node.txt");
      client.destroy();
      expect(got.body.toString()).toBe("hello");
    } finally {
      await host.stop();
    }
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      try {
        process.kill(child, 0);
        await Bun.sleep(100);
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });
});

describe("dot segments in the request target", () => {
  const invalid = { status: 400, code: "InvalidArgument" };
  const answer = async (host: TestServer, method: string, target: string, sign = false) => {
    const response = await rawRequest(host, {
      method,
      target,
      sign,
      body: method === "PUT" ? "x" : undefined,
    });
    return {
      target,
      status: response.status,
      code: errorCodeOf(response.body),
      message: xmlValue(response.body, "Message"),
    };
  };

  beforeAll(async () => {
    await viaBun.send(new PutObjectCommand({ Bucket: bucket, Key: "file.txt", Body: "top" }));
  });

  test("dot segments made with an encoded slash are refused with 400 on both runtimes, signed or not", async () => {
    for (const host of [bunHost, nodeHost]) {
      for (const [method, target, sign] of [
        ["GET", `/${bucket}/x%2F..%2Ffile.txt`, false],
        ["GET", `/${bucket}/x%2F%2E%2E%2Ffile.txt`, false],
        ["HEAD", `/${bucket}/x%2F..%2Ffile.txt`, true],
        ["PUT", `/${bucket}/x%2F.%2Fnew.txt`, false],
        ["PUT", `/${bucket}/x%2F..%2Fnew.txt`, true],
      ] as const) {
        const got = await answer(host, method, target, sign);
        expect({
          target,
          status: got.status,
          code: method === "HEAD" ? "InvalidArgument" : got.code,
        }).toEqual({
          target,
          ...invalid,
        });
      }
    }
  });

  test("on Node, raw `.` and `..` segments (also %2e) are refused before any other check", async () => {
    for (const [method, target] of [
      ["GET", `/${bucket}/x/../file.txt`],
      ["GET", `/${bucket}/./file.txt`],
      ["GET", `/${bucket}/x/%2e%2e/file.txt`],
      ["GET", `/${bucket}/x/%2E./file.txt`],
      ["GET", `/${bucket}/%2e%2e/other-bucket`],
      ["PUT", `/${bucket}/x/../y.txt`],
    ]) {
      const got = await answer(nodeHost, method!, target!);
      expect({ target, status: got.status, code: got.code }).toEqual({ target, ...invalid });
      expect(got.message).toContain("'.' or '..'");
    }
    const failure = await sdkFailure(
      viaNode.send(new PutObjectCommand({ Bucket: bucket, Key: "x/../y.txt", Body: "y" })),
    );
    expect({ name: failure.name, status: failure.status }).toEqual({ name: "InvalidArgument", status: 400 });
    // Look-alikes are ordinary keys: `%252e%252e` is the text "%2e%2e", and `...` is not a dot segment.
    for (const key of ["%2e%2e/a.txt", ".../b.txt", "..c/d.txt"]) {
      await viaNode.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
      const back = await viaNode.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(await back.Body!.transformToString()).toBe(key);
    }
  });

  test("on Bun, raw dot segments are resolved by the runtime before s3dir sees them (documented)", async () => {
    // Bun.serve hands over `/bucket/file.txt`: the request is answered for the resolved path.
    const got = await rawRequest(bunHost, { target: `/${bucket}/x/../file.txt`, sign: true });
    expect(got.status).toBe(200);
    expect(got.body).toBe("top");
    // A client that signed the raw path cannot match the resolved one: nothing is written.
    const failure = await sdkFailure(
      viaBun.send(new PutObjectCommand({ Bucket: bucket, Key: "x/../z.txt", Body: "z" })),
    );
    expect(failure.name).toBe("SignatureDoesNotMatch");
    expect((await signedFetch(bunHost, objectPath(bucket, "z.txt"), { method: "HEAD" })).status).toBe(404);
  });
});

describe("request headers: the 64 KiB limit and malformed requests", () => {
  const filler = (kib: number) => ({ "x-filler": "f".repeat(kib * 1024) });

  test("headers up to 64 KiB are served on both runtimes; more → 431", async () => {
    await viaBun.send(new PutObjectCommand({ Bucket: bucket, Key: "headers.txt", Body: "h" }));
    for (const host of [bunHost, nodeHost]) {
      const runtime = host === bunHost ? "bun" : "node";
      const big = await rawRequest(host, {
        target: `/${bucket}/headers.txt`,
        headers: filler(60),
        sign: true,
      });
      expect({ runtime, status: big.status, body: big.body }).toEqual({ runtime, status: 200, body: "h" });
      const over = await rawRequest(host, { target: `/${bucket}/headers.txt`, headers: filler(70) });
      expect({ runtime, status: over.status }).toEqual({ runtime, status: 431 });
    }
  });

  test("on Node, the HTTP parser's refusals are S3 XML errors", async () => {
    const over = await rawRequest(nodeHost, { target: `/${bucket}/headers.txt`, headers: filler(70) });
    expect(errorCodeOf(over.body)).toBe("RequestHeaderSectionTooLarge");
    expect(xmlValue(over.body, "MaxSizeAllowed")).toBe("65536");
    for (const [name, options] of [
      ["malformed Content-Length", { headers: { "content-length": "abc" } }],
      [
        "Content-Length with Transfer-Encoding",
        {
          headers: { "content-length": "3", "transfer-encoding": "chunked" },
          body: "3\r\nabc\r\n0\r\n\r\n",
          omitContentLength: true,
        },
      ],
      ["a control character in a header", { headers: { "x-odd": "a\u0001b" } }],
    ] as const) {
      const response = await rawRequest(nodeHost, {
        method: "PUT",
        target: `/${bucket}/bad.txt`,
        ...options,
      });
      expect({ name, status: response.status, code: errorCodeOf(response.body) }).toEqual({
        name,
        status: 400,
        code: "BadRequest",
      });
      expect(response.headers.get("content-type")).toBe("application/xml");
    }
  });

  test("on Bun, the runtime's parser refuses the same requests itself, without a body (documented)", async () => {
    const response = await rawRequest(bunHost, {
      method: "PUT",
      target: `/${bucket}/bad.txt`,
      headers: { "content-length": "abc" },
    });
    expect({ status: response.status, body: response.body }).toEqual({ status: 400, body: "" });
  });
});
