import type { S3Context } from "./context.ts";
import { S3Error } from "./errors.ts";
import { verifySmallBody } from "./small-body-verification.ts";
import { parseXml, type XmlElement } from "./xml/parse.ts";

/**
 * Reads a small request body (XML configuration, DeleteObjects) whole, bounded by `limit`,
 * and verifies what the client declared about it: signed SHA-256, Content-MD5, x-amz-checksum-*.
 */
export async function readSmallBody(ctx: S3Context, limit: number): Promise<Uint8Array> {
  const { req } = ctx;
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) {
    throw new S3Error("MaxMessageLengthExceeded", `Your request was too big (limit ${limit} bytes).`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (req.body) {
    for await (const chunk of req.body) {
      total += chunk.byteLength;
      if (total > limit) throw new S3Error("MaxMessageLengthExceeded", `Your request was too big (limit ${limit} bytes).`);
      chunks.push(chunk);
    }
  }
  const body = concat(chunks, total);
  ctx.bytesIn += total;
  await verifySmallBody(ctx, body);
  return body;
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** Reads and parses an XML body; undefined when the body is empty and not required. */
export async function readXmlBody(ctx: S3Context, limit: number, required: boolean): Promise<XmlElement | undefined> {
  const body = await readSmallBody(ctx, limit);
  if (body.byteLength === 0) {
    if (required) throw new S3Error("MalformedXML");
    return undefined;
  }
  return parseXml(new TextDecoder().decode(body));
}
