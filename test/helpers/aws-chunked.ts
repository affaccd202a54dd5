/**
 * Hand-made aws-chunked requests (x-amz-content-sha256: STREAMING-*), signed with an independent
 * implementation (aws4fetch for the headers, node:crypto for the chunk and trailer signatures), so
 * tests can send well-formed bodies and every kind of malformed one byte for byte.
 */
import { createHash, createHmac } from "node:crypto";
import { AwsV4Signer } from "aws4fetch";
import type { TestServer } from "./server.ts";

export type ChunkedMode = "signed" | "signed-trailer" | "unsigned-trailer";

const EMPTY_SHA256 = createHash("sha256").update("").digest("hex");
const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

export const payloadHeaderOf: Record<ChunkedMode, string> = {
  signed: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
  "signed-trailer": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
  "unsigned-trailer": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
};

export interface ChunkSigner {
  key: Buffer;
  amzDate: string;
  scope: string;
  seed: string;
}

export interface SignedChunkedHeaders {
  headers: Record<string, string>;
  signer: ChunkSigner;
}

function signingKey(secret: string, day: string, region: string): Buffer {
  let key: Buffer = createHmac("sha256", `AWS4${secret}`).update(day).digest();
  for (const part of [region, "s3", "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  return key;
}

/**
 * SigV4 headers for an aws-chunked request to `target` (path and query, already encoded), and what
 * it takes to sign its chunks. `headers` should hold x-amz-decoded-content-length, x-amz-trailer,
 * content-length (when sent) and whatever else the request carries.
 */
export async function signChunkedRequest(
  server: TestServer,
  method: string,
  target: string,
  mode: ChunkedMode,
  headers: Record<string, string>,
): Promise<SignedChunkedHeaders> {
  const all = new Headers(headers);
  all.set("host", `127.0.0.1:${server.port}`);
  all.set("x-amz-content-sha256", payloadHeaderOf[mode]);
  all.set("content-encoding", "aws-chunked");
  const signer = new AwsV4Signer({
    method,
    url: `http://127.0.0.1:${server.port}${target}`,
    headers: all,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    service: "s3",
    region: server.region,
    singleEncode: true,
  });
  const signed = (await signer.sign()).headers;
  const out: Record<string, string> = {};
  signed.forEach((value, name) => {
    if (name !== "host") out[name] = value;
  });
  const amzDate = out["x-amz-date"]!;
  const seed = /Signature=([0-9a-f]{64})/.exec(out.authorization ?? "")?.[1] ?? "";
  const day = amzDate.slice(0, 8);
  return {
    headers: out,
    signer: {
      key: signingKey(server.secretAccessKey, day, server.region),
      amzDate,
      scope: `${day}/${server.region}/s3/aws4_request`,
      seed,
    },
  };
}

export interface EncodeOptions {
  chunkSize?: number;
  /** Trailer lines [name, value] after the final chunk (trailer modes). */
  trailers?: [string, string][];
}

/** The aws-chunked encoding of data, signed in chain when the mode says so. */
export function encodeAwsChunked(
  data: Uint8Array,
  mode: ChunkedMode,
  signer: ChunkSigner,
  options: EncodeOptions = {},
): Buffer {
  const chunkSize = options.chunkSize ?? 64 * 1024;
  const parts: Buffer[] = [];
  let previous = signer.seed;
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  chunks.push(new Uint8Array(0));
  for (const chunk of chunks) {
    const size = chunk.length.toString(16);
    if (mode === "unsigned-trailer") {
      parts.push(Buffer.from(`${size}\r\n`));
    } else {
      const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${signer.amzDate}\n${signer.scope}\n${previous}\n${EMPTY_SHA256}\n${sha256(chunk)}`;
      previous = createHmac("sha256", signer.key).update(toSign).digest("hex");
      parts.push(Buffer.from(`${size};chunk-signature=${previous}\r\n`));
    }
    if (chunk.length > 0) parts.push(Buffer.from(chunk), Buffer.from("\r\n"));
  }
  if (mode === "signed") {
    parts.push(Buffer.from("\r\n"));
    return Buffer.concat(parts);
  }
  let text = "";
  for (const [name, value] of options.trailers ?? []) {
    parts.push(Buffer.from(`${name}:${value}\r\n`));
    text += `${name}:${value}\n`;
  }
  if (mode === "signed-trailer") {
    const toSign = `AWS4-HMAC-SHA256-TRAILER\n${signer.amzDate}\n${signer.scope}\n${previous}\n${sha256(text)}`;
    parts.push(
      Buffer.from(
        `x-amz-trailer-signature:${createHmac("sha256", signer.key).update(toSign).digest("hex")}\r\n`,
      ),
    );
  }
  parts.push(Buffer.from("\r\n"));
  return Buffer.concat(parts);
}

/** HTTP/1.1 chunked transfer coding of a body (for requests sent without Content-Length). */
export function httpChunked(body: Uint8Array, pieceSize = 50_000): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += pieceSize) {
    const piece = body.subarray(i, i + pieceSize);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), Buffer.from(piece), Buffer.from("\r\n"));
  }
  parts.push(Buffer.from("0\r\n\r\n"));
  return Buffer.concat(parts);
}

/** x-amz-checksum-crc32 value of data. */
export function crc32Base64(data: Uint8Array | string): string {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, Bun.hash.crc32(data));
  return Buffer.from(out).toString("base64");
}
