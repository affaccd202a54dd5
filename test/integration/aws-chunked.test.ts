/**
 * Hand-made aws-chunked bodies (signed, signed with a trailer, unsigned with a trailer) sent byte
 * for byte to PutObject and UploadPart, with and without Content-Length (Transfer-Encoding:
 * chunked), and every malformed variant: each gets a 4xx and stores nothing.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
} from "@aws-sdk/client-s3";
import {
  type ChunkedMode,
  crc32Base64,
  encodeAwsChunked,
  httpChunked,
  signChunkedRequest,
} from "../helpers/aws-chunked.ts";
import {
  bytes,
  errorCodeOf,
  md5Hex,
  objectPath,
  rawRequest,
  signedFetch,
  useHost,
  waitFor,
  walk,
} from "../helpers/index.ts";
import { bucketState } from "../helpers/util.ts";

setDefaultTimeout(60_000);

const { server, s3, bucket } = useHost({ bucket: "chunked" });
const modes: ChunkedMode[] = ["signed", "signed-trailer", "unsigned-trailer"];

interface SendOptions {
  mode: ChunkedMode;
  data: Uint8Array;
  /** Changes the encoded body before it is sent. */
  tamper?: (body: Buffer) => Buffer;
  trailers?: [string, string][];
  /** Send with Transfer-Encoding: chunked and no Content-Length. */
  chunkedTransfer?: boolean;
  decodedLength?: number;
  query?: string;
  /** Header-level overrides (e.g. drop x-amz-trailer). */
  headers?: Record<string, string>;
}

/** PUTs data aws-chunked to key (an object, or a part when query names one). */
async function send(key: string, o: SendOptions) {
  const target = objectPath(bucket, key) + (o.query ? `?${o.query}` : "");
  const trailer: Record<string, string> =
    o.mode === "signed" ? {} : { "x-amz-trailer": "x-amz-checksum-crc32" };
  const { headers, signer } = await signChunkedRequest(server, "PUT", target, o.mode, {
    "x-amz-decoded-content-length": String(o.decodedLength ?? o.data.length),
    ...trailer,
    ...o.headers,
  });
  const trailers = o.trailers ?? (o.mode === "signed" ? [] : [["x-amz-checksum-crc32", crc32Base64(o.data)]]);
  let body = encodeAwsChunked(o.data, o.mode, signer, {
    chunkSize: 40_000,
    trailers: trailers as [string, string][],
  });
  if (o.tamper) body = o.tamper(body);
  if (o.chunkedTransfer) {
    return await rawRequest(server, {
      method: "PUT",
      target,
      headers: { ...headers, "transfer-encoding": "chunked" },
      body: httpChunked(body),
      omitContentLength: true,
    });
  }
  return await rawRequest(server, { method: "PUT", target, headers, body });
}

async function getBytes(key: string): Promise<Uint8Array> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return await got.Body!.transformToByteArray();
}

const tmp = () => bucketState(server.root, bucket, "tmp");

async function expectNothingStored(key: string) {
  expect((await signedFetch(server, objectPath(bucket, key), { method: "HEAD" })).status).toBe(404);
  expect(await waitFor(() => walk(tmp()).length === 0, 5000)).toBe(true);
}

describe("well-formed aws-chunked bodies", () => {
  const data = bytes(150_001, 5);

  for (const mode of modes) {
    for (const chunkedTransfer of [false, true]) {
      test(`PutObject, ${mode}${chunkedTransfer ? ", Transfer-Encoding: chunked without Content-Length" : ""}`, async () => {
        const key = `ok/${mode}-${chunkedTransfer}.bin`;
        const r = await send(key, { mode, data, chunkedTransfer });
        expect([r.status, r.body]).toEqual([200, ""]);
        expect(r.headers.get("etag")).toBe(`"${md5Hex(data)}"`);
        if (mode !== "signed") expect(r.headers.get("x-amz-checksum-crc32")).toBe(crc32Base64(data));
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        expect(head.ContentEncoding).toBeUndefined();
        expect(Buffer.compare(Buffer.from(await getBytes(key)), Buffer.from(data))).toBe(0);
      });
    }
  }

  test("UploadPart in every mode, then Complete", async () => {
    const key = "ok/parts.bin";
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const id = created.UploadId!;
    const parts: string[] = [];
    const sent: Uint8Array[] = [];
    for (const [i, mode] of modes.entries()) {
      const part = bytes(i === modes.length - 1 ? 12_345 : 5 * 1024 * 1024, 60 + i);
      const r = await send(key, {
        mode,
        data: part,
        query: `partNumber=${i + 1}&uploadId=${id}`,
        chunkedTransfer: i === 1,
      });
      expect([mode, r.status]).toEqual([mode, 200]);
      expect(r.headers.get("etag")).toBe(`"${md5Hex(part)}"`);
      parts.push(r.headers.get("etag")!);
      sent.push(part);
    }
    const xml = `<CompleteMultipartUpload>${parts.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
    const done = await signedFetch(server, objectPath(bucket, key), {
      method: "POST",
      query: { uploadId: id },
      body: xml,
    });
    expect(done.status).toBe(200);
    await done.text();
    expect(Buffer.compare(Buffer.from(await getBytes(key)), Buffer.concat(sent))).toBe(0);
  });
});

/** Replaces the first occurrence of `find` in the body. */
function replaceOnce(find: string, replace: string): (body: Buffer) => Buffer {
  return (body) => {
    const at = body.indexOf(find, 0, "latin1");
    if (at < 0) throw new Error(`'${find}' not in body`);
    return Buffer.concat([
      body.subarray(0, at),
      Buffer.from(replace, "latin1"),
      body.subarray(at + find.length),
    ]);
  };
}

/** Flips one hex digit of the n-th chunk signature (0-based). */
function badChunkSignature(n: number): (body: Buffer) => Buffer {
  return (body) => {
    let at = -1;
    for (let i = 0; i <= n; i++) at = body.indexOf("chunk-signature=", at + 1, "latin1");
    const pos = at + "chunk-signature=".length;
    const out = Buffer.from(body);
    out[pos] = out[pos] === 0x30 ? 0x31 : 0x30;
    return out;
  };
}

describe("malformed aws-chunked bodies: 4xx and nothing stored", () => {
  const data = bytes(100_000, 9);
  const cases: [string, SendOptions, number, string][] = [
    [
      "bad chunk size line",
      { mode: "signed", data, tamper: replaceOnce("9c40;", "9g40;") },
      400,
      "InvalidRequest",
    ],
    [
      "bad chunk size line (unsigned)",
      { mode: "unsigned-trailer", data, tamper: replaceOnce("9c40\r\n", "9c40 x\r\n") },
      400,
      "InvalidRequest",
    ],
    [
      "bad first chunk signature",
      { mode: "signed", data, tamper: badChunkSignature(0) },
      403,
      "SignatureDoesNotMatch",
    ],
    [
      "bad later chunk signature",
      { mode: "signed-trailer", data, tamper: badChunkSignature(2) },
      403,
      "SignatureDoesNotMatch",
    ],
    [
      "bad final chunk signature",
      { mode: "signed", data, tamper: badChunkSignature(3) },
      403,
      "SignatureDoesNotMatch",
    ],
    [
      "truncated body",
      { mode: "signed", data, tamper: (b) => b.subarray(0, b.length - 200) },
      400,
      "IncompleteBody",
    ],
    [
      "truncated before the final chunk",
      { mode: "unsigned-trailer", data, tamper: (b) => b.subarray(0, b.indexOf("0\r\nx-amz", 0, "latin1")) },
      400,
      "IncompleteBody",
    ],
    [
      "extra bytes after the end",
      { mode: "signed", data, tamper: (b) => Buffer.concat([b, Buffer.from("extra")]) },
      400,
      "InvalidRequest",
    ],
    [
      "decoded length larger than the body",
      { mode: "signed", data, decodedLength: data.length + 1 },
      400,
      "IncompleteBody",
    ],
    [
      "decoded length smaller than the body",
      { mode: "unsigned-trailer", data, decodedLength: data.length - 1 },
      400,
      "IncompleteBody",
    ],
    ["missing trailer", { mode: "unsigned-trailer", data, trailers: [] }, 400, "MalformedTrailerError"],
    [
      "malformed trailer line",
      {
        mode: "unsigned-trailer",
        data,
        trailers: [["x-amz-checksum-crc32", "x"]],
        tamper: replaceOnce("x-amz-checksum-crc32:x", "no colon here"),
      },
      400,
      "MalformedTrailerError",
    ],
    [
      "wrong trailer checksum",
      { mode: "unsigned-trailer", data, trailers: [["x-amz-checksum-crc32", crc32Base64("other")]] },
      400,
      "BadDigest",
    ],
    [
      "wrong signed trailer checksum",
      { mode: "signed-trailer", data, trailers: [["x-amz-checksum-crc32", crc32Base64("other")]] },
      400,
      "BadDigest",
    ],
    [
      "bad trailer signature",
      {
        mode: "signed-trailer",
        data,
        tamper: replaceOnce("x-amz-trailer-signature:", "x-amz-trailer-signature:0"),
      },
      400,
      "MalformedTrailerError",
    ],
    [
      "forged trailer signature",
      {
        mode: "signed-trailer",
        data,
        tamper: (b) => {
          const at = b.indexOf("x-amz-trailer-signature:", 0, "latin1") + 24;
          const o = Buffer.from(b);
          o[at] = o[at] === 0x61 ? 0x62 : 0x61;
          return o;
        },
      },
      403,
      "SignatureDoesNotMatch",
    ],
    [
      "missing trailer signature",
      {
        mode: "signed-trailer",
        data,
        tamper: (b) => {
          const at = b.indexOf("x-amz-trailer-signature:", 0, "latin1");
          return Buffer.concat([b.subarray(0, at), Buffer.from("\r\n")]);
        },
      },
      400,
      "MalformedTrailerError",
    ],
  ];

  for (const [name, options, status, code] of cases) {
    test(`PutObject: ${name} → ${status} ${code}`, async () => {
      const key = `bad/${name.replaceAll(" ", "-")}.bin`;
      const r = await send(key, options);
      expect([r.status, errorCodeOf(r.body)]).toEqual([status, code]);
      await expectNothingStored(key);
    });
  }

  test("the same refusals on UploadPart leave no part behind", async () => {
    const key = "bad/part.bin";
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const id = created.UploadId!;
    for (const [name, options, status, code] of cases) {
      for (const chunkedTransfer of [false, true]) {
        const r = await send(key, { ...options, chunkedTransfer, query: `partNumber=1&uploadId=${id}` });
        expect([name, chunkedTransfer, r.status, errorCodeOf(r.body)]).toEqual([
          name,
          chunkedTransfer,
          status,
          code,
        ]);
      }
    }
    const listed = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: id }));
    expect(listed.Parts ?? []).toEqual([]);
    expect(await waitFor(() => walk(tmp()).length === 0, 5000)).toBe(true);
  });
});
