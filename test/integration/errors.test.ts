/** The shape of errors and of every response: request ids, XML errors, bodiless HEAD errors, 501s. */
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  errorCodeOf,
  md5Hex,
  objectPath,
  rawRequest,
  type SignedFetchOptions,
  signedFetch,
  startHost,
  type TestServer,
  testCredentials,
  uniqueBucket,
  useHost,
  waitFor,
  walk,
  xmlValue,
} from "../helpers/index.ts";
import { bucketState } from "../helpers/util.ts";

// Servers, the AWS CLI and python start in seconds, not milliseconds.
setDefaultTimeout(60_000);

const { server, s3, bucket } = useHost({ bucket: "errors" });

beforeAll(async () => {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "exists.txt", Body: "0123456789" }));
});

describe("unknown and unsupported operations", () => {
  const unsupported: [string, string, SignedFetchOptions][] = [
    ["GetObjectTorrent", objectPath("BUCKET", "exists.txt"), { query: "torrent" }],
    [
      "PutBucketAccelerateConfiguration",
      "/BUCKET",
      {
        method: "PUT",
        query: "accelerate",
        body: '<AccelerateConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></AccelerateConfiguration>',
        signPayload: true,
      },
    ],
    ["GetBucketAnalyticsConfiguration", "/BUCKET", { query: "analytics&id=report" }],
    ["ListBucketInventoryConfigurations", "/BUCKET", { query: "inventory" }],
    ["ListBucketIntelligentTieringConfigurations", "/BUCKET", { query: "intelligent-tiering" }],
    [
      "SelectObjectContent",
      objectPath("BUCKET", "exists.txt"),
      {
        method: "POST",
        query: "select&select-type=2",
        body: "<SelectObjectContentRequest/>",
        signPayload: true,
      },
    ],
    [
      "RestoreObject",
      objectPath("BUCKET", "exists.txt"),
      {
        method: "POST",
        query: "restore",
        body: "<RestoreRequest><Days>1</Days></RestoreRequest>",
        signPayload: true,
      },
    ],
  ];
  for (const [operation, path, options] of unsupported) {
    test(`${operation} → 501 NotImplemented XML`, async () => {
      const response = await signedFetch(server, path.replace("BUCKET", bucket), options);
      const body = await response.text();
      expect({ status: response.status, code: errorCodeOf(body) }).toEqual({
        status: 501,
        code: "NotImplemented",
      });
      expect(response.headers.get("x-amz-request-id")).toBeTruthy();
    });
  }

  test("newer bucket sub-resources are 501 and never run the plain bucket operation", async () => {
    const empty = `${bucket}-empty`;
    expect((await signedFetch(server, `/${empty}`, { method: "PUT" })).status).toBe(200);
    const missing = `${bucket}-missing`;
    const cases: [string, string, string][] = [
      ["DELETE", empty, "metadataConfiguration"],
      ["GET", empty, "metadataConfiguration"],
      ["GET", empty, "abac"],
      ["PUT", missing, "abac"],
      ["PUT", missing, "metadataInventoryTable"],
      ["PUT", missing, "metadataJournalTable"],
      ["POST", missing, "metadataTable"],
    ];
    for (const [method, target, query] of cases) {
      const response = await signedFetch(server, `/${target}`, {
        method,
        query,
        body: method === "GET" || method === "DELETE" ? undefined : "<x/>",
      });
      expect({ method, query, status: response.status }).toEqual({ method, query, status: 501 });
    }
    expect((await signedFetch(server, `/${empty}`, { method: "HEAD" })).status).toBe(200);
    expect((await signedFetch(server, `/${missing}`, { method: "HEAD" })).status).toBe(404);
  });

  test("object annotations and the annotation table are 501 and change nothing", async () => {
    const key = "annotated.txt";
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "kept" }));
    const missing = `${bucket}-annotations`;
    const cases: [string, string, string][] = [
      ["PUT", objectPath(bucket, key), "annotation"],
      ["GET", objectPath(bucket, key), "annotation&x-id=GetObjectAnnotation"],
      ["DELETE", objectPath(bucket, key), "annotation"],
      ["PUT", `/${missing}`, "metadataAnnotationTable"],
    ];
    for (const [method, path, query] of cases) {
      const response = await signedFetch(server, path, {
        method,
        query,
        body: method === "PUT" ? "<x/>" : undefined,
      });
      const code = errorCodeOf(await response.text());
      expect({ method, query, status: response.status, code }).toEqual({
        method,
        query,
        status: 501,
        code: "NotImplemented",
      });
    }
    const kept = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await kept.Body!.transformToString()).toBe("kept");
    expect((await signedFetch(server, `/${missing}`, { method: "HEAD" })).status).toBe(404);
  });

  test("an unsupported HTTP method → 405 or 501 with an XML error, never 500", async () => {
    const response = await signedFetch(server, objectPath(bucket, "exists.txt"), {
      method: "PATCH",
      body: "x",
    });
    expect([405, 501]).toContain(response.status);
    expect(["MethodNotAllowed", "NotImplemented"]).toContain(errorCodeOf(await response.text()));
  });
});

describe("every response carries x-amz-request-id and x-amz-id-2", () => {
  test("successes, redirects of state, client errors and HEAD errors", async () => {
    const requests: [string, string, SignedFetchOptions][] = [
      ["ListBuckets 200", "/", {}],
      ["GetObject 200", objectPath(bucket, "exists.txt"), {}],
      ["GetObject 206", objectPath(bucket, "exists.txt"), { headers: { range: "bytes=0-1" } }],
      [
        "GetObject 304",
        objectPath(bucket, "exists.txt"),
        { headers: { "if-none-match": `"${md5Hex("0123456789")}"` } },
      ],
      ["GetObject 404", objectPath(bucket, "missing.txt"), {}],
      ["GetObject 416", objectPath(bucket, "exists.txt"), { headers: { range: "bytes=50-" } }],
      ["HeadObject 200", objectPath(bucket, "exists.txt"), { method: "HEAD" }],
      ["HeadObject 404", objectPath(bucket, "missing.txt"), { method: "HEAD" }],
      ["HeadBucket 404", `/${uniqueBucket("none")}`, { method: "HEAD" }],
      ["PutObject 200", objectPath(bucket, "ids.txt"), { method: "PUT", body: "x" }],
      ["DeleteObject 204", objectPath(bucket, "ids.txt"), { method: "DELETE" }],
      ["ListObjects 400", `/${bucket}`, { query: "max-keys=-5" }],
      ["GetObjectTorrent 501", objectPath(bucket, "exists.txt"), { query: "torrent" }],
    ];
    const ids = new Set<string>();
    for (const [name, path, options] of requests) {
      const response = await signedFetch(server, path, options);
      await response.arrayBuffer();
      const id = response.headers.get("x-amz-request-id") ?? "";
      expect({ name, id: id !== "", id2: (response.headers.get("x-amz-id-2") ?? "") !== "" }).toEqual({
        name,
        id: true,
        id2: true,
      });
      ids.add(id);
    }
    expect(ids.size).toBe(requests.length);
    const anonymous = await fetch(`${server.endpoint}/${bucket}`);
    await anonymous.arrayBuffer();
    expect(anonymous.status).toBe(403);
    expect(anonymous.headers.get("x-amz-request-id")).toBeTruthy();
    expect(anonymous.headers.get("x-amz-id-2")).toBeTruthy();
  });
});

describe("error bodies", () => {
  test("an S3 XML error document whose RequestId matches the header", async () => {
    const response = await signedFetch(server, objectPath(bucket, "missing dir/missing.txt"));
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^application\/xml/);
    const xml = await response.text();
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<Error>/);
    expect(xmlValue(xml, "Code")).toBe("NoSuchKey");
    expect(xmlValue(xml, "Message")).toBeTruthy();
    expect(xmlValue(xml, "Key")).toBe("missing dir/missing.txt");
    expect(xmlValue(xml, "RequestId")).toBe(response.headers.get("x-amz-request-id")!);
  });

  test("NoSuchBucket names the bucket", async () => {
    const missing = uniqueBucket("none");
    const response = await signedFetch(server, objectPath(missing, "k"));
    expect(response.status).toBe(404);
    const xml = await response.text();
    expect(xmlValue(xml, "Code")).toBe("NoSuchBucket");
    expect(xmlValue(xml, "BucketName")).toBe(missing);
  });

  test("HEAD errors have no body", async () => {
    const cases: [string, string, Record<string, string>, number][] = [
      ["missing key", objectPath(bucket, "missing.txt"), {}, 404],
      ["missing bucket", objectPath(uniqueBucket("none"), "k"), {}, 404],
      ["failed precondition", objectPath(bucket, "exists.txt"), { "if-match": '"nope"' }, 412],
      ["unsatisfiable range", objectPath(bucket, "exists.txt"), { range: "bytes=100-" }, 416],
    ];
    for (const [name, path, headers, status] of cases) {
      const response = await rawRequest(server, { method: "HEAD", target: path, headers, sign: true });
      expect({ name, status: response.status, body: response.body }).toEqual({ name, status, body: "" });
    }
    const anonymous = await rawRequest(server, { method: "HEAD", target: objectPath(bucket, "exists.txt") });
    expect({ status: anonymous.status, body: anonymous.body }).toEqual({ status: 403, body: "" });
  });

  test("a PUT sent with Transfer-Encoding: chunked (no length) → 501 NotImplemented naming the header, as S3", async () => {
    const response = await rawRequest(server, {
      method: "PUT",
      target: objectPath(bucket, "chunked.txt"),
      headers: { "transfer-encoding": "chunked" },
      body: "5\r\nhello\r\n0\r\n\r\n",
      sign: true,
      omitContentLength: true,
    });
    expect([response.status, errorCodeOf(response.body), xmlValue(response.body, "Header")]).toEqual([
      501,
      "NotImplemented",
      "Transfer-Encoding",
    ]);
    expect((await signedFetch(server, objectPath(bucket, "chunked.txt"), { method: "HEAD" })).status).toBe(
      404,
    );
  });
});

describe("request limits", () => {
  test("a single PUT over 5 GiB → 400 EntityTooLarge before any byte is read, nothing stored", async () => {
    const response = await rawRequest(server, {
      method: "PUT",
      target: objectPath(bucket, "too-large.bin"),
      headers: { "content-length": String(5 * 1024 ** 3 + 1), "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
      sign: true,
      omitContentLength: true,
      timeoutMs: 5000,
    });
    expect(response.status).toBe(400);
    expect(errorCodeOf(response.body)).toBe("EntityTooLarge");
    expect((await signedFetch(server, objectPath(bucket, "too-large.bin"), { method: "HEAD" })).status).toBe(
      404,
    );
  });
});

describe("slow uploads", () => {
  /** Sends a signed PUT whose body trickles: `piece` bytes every `everyMs`; resolves with the raw response. */
  async function trickle(target: TestServer, key: string, size: number, piece: number, everyMs: number) {
    const { AwsClient } = await import("aws4fetch");
    const signer = new AwsClient({ ...testCredentials, service: "s3", region: target.region });
    const signed = await signer.sign(`${target.endpoint}${objectPath(bucket, key)}`, {
      method: "PUT",
      headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-length": String(size) },
    });
    const { connect } = await import("node:net");
    return await new Promise<string>((resolve) => {
      const socket = connect(target.port, "127.0.0.1");
      let response = "";
      let sent = 0;
      let timer: ReturnType<typeof setInterval> | undefined;
      const done = () => {
        clearInterval(timer);
        socket.destroy();
        resolve(response);
      };
      socket.on("data", (d) => {
        response += d;
        // A whole response: an error document, or a success's headers (a PUT has no body).
        if (
          response.includes("</Error>") ||
          (response.startsWith("HTTP/1.1 200") && response.includes("\r\n\r\n"))
        )
          done();
      });
      socket.on("close", done);
      socket.on("error", done);
      const url = new URL(signed.url);
      let head = `PUT ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
      for (const [k, v] of signed.headers) head += `${k}: ${v}\r\n`;
      socket.write(`${head}\r\n`);
      timer = setInterval(() => {
        if (sent >= size) return clearInterval(timer);
        const n = Math.min(piece, size - sent);
        sent += n;
        socket.write(new Uint8Array(n));
      }, everyMs);
    });
  }

  test("an upload that trickles is cut off with RequestTimeout and leaves nothing; a steady one lands", async () => {
    const guarded = await startHost({ root: server.root, args: ["--body-timeout", "2s"] });
    try {
      const cutOff = await trickle(guarded, "trickle.bin", 1024 * 1024, 512, 250);
      expect(cutOff).toStartWith("HTTP/1.1 400 ");
      expect(errorCodeOf(cutOff)).toBe("RequestTimeout");
      expect((await signedFetch(server, objectPath(bucket, "trickle.bin"), { method: "HEAD" })).status).toBe(
        404,
      );
      const steady = await trickle(guarded, "steady.bin", 1024 * 1024, 128 * 1024, 200);
      expect(steady).toStartWith("HTTP/1.1 200");
      expect((await signedFetch(server, objectPath(bucket, "steady.bin"), { method: "HEAD" })).status).toBe(
        200,
      );
      const leftovers = walk(bucketState(server.root, bucket, "tmp"));
      expect(leftovers).toEqual([]);
    } finally {
      await guarded.stop();
    }
  });
});

describe("operations endpoints and the access log", () => {
  test("/health/live and /health/ready answer without credentials", async () => {
    for (const path of ["/health/live", "/health/ready"]) {
      const response = await fetch(`${server.endpoint}${path}`);
      await response.arrayBuffer();
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
    }
  });

  test("each request is one JSON line on stdout that carries its request id", async () => {
    const response = await signedFetch(server, objectPath(bucket, "exists.txt"));
    await response.arrayBuffer();
    const id = response.headers.get("x-amz-request-id")!;
    const mentions = (entry: Record<string, unknown>) => JSON.stringify(entry).includes(id);
    expect(await waitFor(() => server.accessLog().some(mentions), 3000)).toBe(true);
    expect(server.accessLog().filter(mentions).length).toBe(1);
    const entry = server.accessLog().find(mentions)!;
    expect(JSON.stringify(entry)).toContain("200");
  });
});
