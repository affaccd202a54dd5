import { toIsoDate } from "../../lib/http-date.ts";
import type { ListResult } from "../../storage/index.ts";
import type { Handler, S3Context } from "../context.ts";
import {
  decodeContinuationToken,
  encodeContinuationToken,
  parseEncodingType,
  parseMaxKeys,
  urlEncodeKey,
} from "../list-params.ts";
import { objectOwnersXml } from "../owner-xml.ts";
import { posixAccess } from "../posix-access.ts";
import { quoteEtag, s3Namespace, xmlResponse } from "../responses.ts";
import { xmlEscape } from "../xml/escape.ts";

interface Page {
  prefix: string;
  delimiter: string;
  maxKeys: number;
  encode: (value: string) => string;
  result: ListResult;
}

async function listPage(ctx: S3Context, after: string, maxKeysParam = "max-keys"): Promise<Page> {
  const { query } = ctx.target;
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const maxKeys = parseMaxKeys(query.get(maxKeysParam), maxKeysParam);
  const encoding = parseEncodingType(query.get("encoding-type"));
  const encode = encoding ? (v: string) => xmlEscape(urlEncodeKey(v)) : xmlEscape;
  const result = await ctx.store.list({
    bucket: ctx.target.bucket,
    prefix,
    delimiter,
    after,
    maxKeys,
    access: posixAccess(ctx),
  });
  return { prefix, delimiter, maxKeys, encode, result };
}

function contentsXml(
  page: Page,
  /** The Owner element of each object, or none. */
  owners: readonly string[] | undefined,
  element = "Contents",
  extra = "",
): string {
  let xml = "";
  for (const [i, o] of page.result.objects.entries()) {
    const owner = owners?.[i] ?? "";
    xml += `<${element}><Key>${page.encode(o.key)}</Key>${extra}<LastModified>${toIsoDate(o.lastModified)}</LastModified><ETag>${xmlEscape(quoteEtag(o.etag))}</ETag><Size>${o.size}</Size>${owner}<StorageClass>STANDARD</StorageClass></${element}>`;
  }
  for (const p of page.result.commonPrefixes)
    xml += `<CommonPrefixes><Prefix>${page.encode(p)}</Prefix></CommonPrefixes>`;
  return xml;
}

function commonXml(ctx: S3Context, page: Page): string {
  let xml = `<Name>${ctx.target.bucket}</Name><Prefix>${page.encode(page.prefix)}</Prefix>`;
  if (page.delimiter) xml += `<Delimiter>${page.encode(page.delimiter)}</Delimiter>`;
  return xml;
}

function encodingXml(ctx: S3Context): string {
  return ctx.target.query.has("encoding-type") ? "<EncodingType>url</EncodingType>" : "";
}

export const listObjectsV1: Handler = async (ctx) => {
  const marker = ctx.target.query.get("marker") ?? "";
  const page = await listPage(ctx, marker);
  const { result } = page;
  let xml = `<ListBucketResult xmlns="${s3Namespace}">${commonXml(ctx, page)}<Marker>${page.encode(marker)}</Marker>`;
  if (result.isTruncated && page.delimiter && result.lastReturned !== undefined) {
    xml += `<NextMarker>${page.encode(result.lastReturned)}</NextMarker>`;
  }
  xml += `<MaxKeys>${page.maxKeys}</MaxKeys>${encodingXml(ctx)}<IsTruncated>${result.isTruncated}</IsTruncated>`;
  xml += contentsXml(page, await objectOwnersXml(ctx, result.objects));
  return xmlResponse(`${xml}</ListBucketResult>`);
};

export const listObjectsV2: Handler = async (ctx) => {
  const { query } = ctx.target;
  const token = query.get("continuation-token");
  const startAfter = query.get("start-after") ?? "";
  const page = await listPage(ctx, token !== null ? decodeContinuationToken(token) : startAfter);
  const { result } = page;
  let xml = `<ListBucketResult xmlns="${s3Namespace}">${commonXml(ctx, page)}`;
  if (token !== null) xml += `<ContinuationToken>${xmlEscape(token)}</ContinuationToken>`;
  if (query.has("start-after")) xml += `<StartAfter>${page.encode(startAfter)}</StartAfter>`;
  const keyCount = result.objects.length + result.commonPrefixes.length;
  xml += `<KeyCount>${keyCount}</KeyCount><MaxKeys>${page.maxKeys}</MaxKeys>${encodingXml(ctx)}<IsTruncated>${result.isTruncated}</IsTruncated>`;
  if (result.isTruncated && result.lastReturned !== undefined) {
    xml += `<NextContinuationToken>${encodeContinuationToken(result.lastReturned)}</NextContinuationToken>`;
  }
  const fetchOwner = query.get("fetch-owner") === "true";
  xml += contentsXml(page, fetchOwner ? await objectOwnersXml(ctx, result.objects) : undefined);
  return xmlResponse(`${xml}</ListBucketResult>`);
};
