import { toIsoDate } from "../../lib/http-date.ts";
import type { UploadInfo } from "../../storage/index.ts";
import { checksumXml } from "../checksum-xml.ts";
import type { Handler, S3Context } from "../context.ts";
import { parseEncodingType, parseMaxKeys, urlEncodeKey } from "../list-params.ts";
import { parsePartNumberMarker, uploadIdOf } from "../multipart-params.ts";
import { ownerFieldsXml } from "../owner-xml.ts";
import { quoteEtag, s3Namespace, xmlResponse } from "../responses.ts";
import { xmlEscape } from "../xml/escape.ts";

function encoderFor(ctx: S3Context): (value: string) => string {
  return parseEncodingType(ctx.target.query.get("encoding-type"))
    ? (v) => xmlEscape(urlEncodeKey(v))
    : xmlEscape;
}

/**
 * Initiator and Owner of an upload: the account that started it. Its record keeps an owner only
 * when that is not the bucket's account (../acl/write-acl.ts); otherwise the bucket's owner.
 */
async function peopleXml(ctx: S3Context, upload: UploadInfo, bucketOwner: string): Promise<string> {
  const owner = upload.attributes.acl?.owner;
  const account = owner === undefined ? undefined : await ctx.config.owners.byCanonicalId(owner);
  let who = bucketOwner;
  if (account) who = ownerFieldsXml(account);
  else if (owner !== undefined) who = `<ID>${xmlEscape(owner)}</ID>`;
  return `<Initiator>${who}</Initiator><Owner>${who}</Owner>`;
}

async function bucketOwnerFields(ctx: S3Context): Promise<string> {
  return ownerFieldsXml(await ctx.config.owners.bucketOwner(ctx.target.bucket));
}

function uploadChecksumXml(upload: UploadInfo): string {
  if (!upload.checksum) return "";
  return `<ChecksumAlgorithm>${upload.checksum.algorithm}</ChecksumAlgorithm><ChecksumType>${upload.checksum.type}</ChecksumType>`;
}

export const listParts: Handler = async (ctx) => {
  const { store, target } = ctx;
  const { query } = target;
  const maxParts = parseMaxKeys(query.get("max-parts"), "max-parts");
  const marker = parsePartNumberMarker(query.get("part-number-marker"));
  const encode = encoderFor(ctx);
  const result = await store.multipart.listParts({
    bucket: target.bucket,
    key: target.key,
    uploadId: uploadIdOf(query),
    maxParts,
    partNumberMarker: marker,
  });
  let xml = `<ListPartsResult xmlns="${s3Namespace}"><Bucket>${xmlEscape(target.bucket)}</Bucket><Key>${encode(target.key)}</Key><UploadId>${result.upload.uploadId}</UploadId>`;
  xml += `<PartNumberMarker>${marker}</PartNumberMarker>`;
  const last = result.parts.at(-1)?.partNumber;
  if (last !== undefined)
    xml += `<NextPartNumberMarker>${result.nextPartNumberMarker ?? last}</NextPartNumberMarker>`;
  xml += `<MaxParts>${maxParts}</MaxParts><IsTruncated>${result.isTruncated}</IsTruncated>`;
  if (query.has("encoding-type")) xml += "<EncodingType>url</EncodingType>";
  for (const part of result.parts) {
    xml += `<Part><PartNumber>${part.partNumber}</PartNumber><LastModified>${toIsoDate(part.lastModified)}</LastModified><ETag>${xmlEscape(quoteEtag(part.etag))}</ETag><Size>${part.size}</Size>${checksumXml(part.checksum)}</Part>`;
  }
  xml += `${await peopleXml(ctx, result.upload, await bucketOwnerFields(ctx))}<StorageClass>STANDARD</StorageClass>${uploadChecksumXml(result.upload)}`;
  return xmlResponse(`${xml}</ListPartsResult>`);
};

export const listMultipartUploads: Handler = async (ctx) => {
  const { store, target } = ctx;
  const { query } = target;
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const keyMarker = query.get("key-marker") ?? "";
  const uploadIdMarker = keyMarker ? (query.get("upload-id-marker") ?? "") : "";
  const maxUploads = parseMaxKeys(query.get("max-uploads"), "max-uploads");
  const encode = encoderFor(ctx);
  const result = await store.multipart.listUploads({
    bucket: target.bucket,
    prefix,
    delimiter,
    keyMarker,
    uploadIdMarker,
    maxUploads,
  });
  let xml = `<ListMultipartUploadsResult xmlns="${s3Namespace}"><Bucket>${xmlEscape(target.bucket)}</Bucket>`;
  xml += `<KeyMarker>${encode(keyMarker)}</KeyMarker><UploadIdMarker>${xmlEscape(uploadIdMarker)}</UploadIdMarker>`;
  if (result.isTruncated) {
    xml += `<NextKeyMarker>${encode(result.nextKeyMarker ?? "")}</NextKeyMarker><NextUploadIdMarker>${xmlEscape(result.nextUploadIdMarker ?? "")}</NextUploadIdMarker>`;
  }
  xml += `<Prefix>${encode(prefix)}</Prefix>`;
  if (delimiter) xml += `<Delimiter>${encode(delimiter)}</Delimiter>`;
  xml += `<MaxUploads>${maxUploads}</MaxUploads>`;
  if (query.has("encoding-type")) xml += "<EncodingType>url</EncodingType>";
  xml += `<IsTruncated>${result.isTruncated}</IsTruncated>`;
  const bucketOwner = await bucketOwnerFields(ctx);
  for (const upload of result.uploads) {
    const people = await peopleXml(ctx, upload, bucketOwner);
    xml += `<Upload><Key>${encode(upload.key)}</Key><UploadId>${upload.uploadId}</UploadId>${people}<StorageClass>STANDARD</StorageClass><Initiated>${toIsoDate(upload.initiated)}</Initiated>${uploadChecksumXml(upload)}</Upload>`;
  }
  for (const p of result.commonPrefixes)
    xml += `<CommonPrefixes><Prefix>${encode(p)}</Prefix></CommonPrefixes>`;
  return xmlResponse(`${xml}</ListMultipartUploadsResult>`);
};
