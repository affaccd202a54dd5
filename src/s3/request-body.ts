import type { S3Context } from "./context.ts";
import { S3Error } from "./errors.ts";
import { verifySmallBody } from "./small-body-verification.ts";
import { uploadBody } from "./upload-body.ts";
import { parseXml, type XmlElement } from "./xml/parse.ts";

function tooBig(limit: number): S3Error {
  return new S3Error("MaxMessageLengthExceeded", `Your request was too big (limit ${limit} bytes).`);
}

/**
 * Reads a small request body (XML configuration, DeleteObjects) whole, bounded by `limit`,
 * and verifies what the client declared about it: signed SHA-256, Content-MD5, x-amz-checksum-*.
 */
export async function readSmallBody(ctx: S3Context, limit: number): Promise<Uint8Array> {
  if (!ctx.req.body) return new Uint8Array(0);
  const { stream, verify } = uploadBody(ctx, { lengthOptional: true });
  if (verify.expectedSize !== undefined && verify.expectedSize > limit) throw tooBig(limit);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.byteLength;
    if (total > limit) throw tooBig(limit);
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks, total);
  ctx.bytesIn += total;
  await verifySmallBody(body, verify);
  return body;
}

/**
 * Reads and parses an XML body; undefined when the body is empty and not required (an empty body
 * that is required is MalformedXML).
 */
export async function readXmlBody(ctx: S3Context, limit: number, required?: true): Promise<XmlElement>;
export async function readXmlBody(
  ctx: S3Context,
  limit: number,
  required: boolean,
): Promise<XmlElement | undefined>;
export async function readXmlBody(
  ctx: S3Context,
  limit: number,
  required = true,
): Promise<XmlElement | undefined> {
  const body = await readSmallBody(ctx, limit);
  if (body.byteLength === 0) {
    if (required) throw new S3Error("MalformedXML");
    return undefined;
  }
  return parseXml(body);
}
