import { toHttpDate } from "../../lib/http-date.ts";
import type { ObjectInfo } from "../../storage/index.ts";
import { checksumXml } from "../checksum-xml.ts";
import type { Handler } from "../context.ts";
import { S3Error } from "../errors.ts";
import { parseMaxKeys } from "../list-params.ts";
import { parsePartNumberMarker } from "../multipart-params.ts";
import { posixAccess } from "../posix-access.ts";
import { s3Namespace, xmlResponse } from "../responses.ts";
import { readKeysFrom } from "../sse-headers.ts";
import { versionHeaders, versionIdOf } from "../version-params.ts";
import { xmlEscape } from "../xml/escape.ts";

const attributeNames = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"] as const;
type AttributeName = (typeof attributeNames)[number];

function requestedAttributes(header: string | null): Set<AttributeName> {
  const wanted = new Set<AttributeName>();
  for (const raw of (header ?? "").split(",")) {
    const name = raw.trim();
    if (!name) continue;
    const match = attributeNames.find((a) => a.toLowerCase() === name.toLowerCase());
    if (!match) throw new S3Error("InvalidArgument", `Invalid attribute name specified: ${name}`);
    wanted.add(match);
  }
  if (wanted.size === 0) {
    throw new S3Error(
      "InvalidArgument",
      "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty",
    );
  }
  return wanted;
}

/** ObjectParts: the part count, and the parts themselves only when they carry checksums (as S3). */
function objectPartsXml(info: ObjectInfo, headers: Headers): string {
  if (!info.partsCount) return "";
  const maxParts = parseMaxKeys(headers.get("x-amz-max-parts"), "x-amz-max-parts");
  const marker = parsePartNumberMarker(headers.get("x-amz-part-number-marker"), "x-amz-part-number-marker");
  let xml = `<ObjectParts><PartsCount>${info.partsCount}</PartsCount>`;
  const checksums = info.parts?.checksums;
  if (!info.parts || !checksums || !info.checksum) return `${xml}</ObjectParts>`;
  const sizes = info.parts.sizes.flatMap(([size, count]) => Array<number>(count).fill(size));
  const first = Math.min(marker, sizes.length);
  const last = Math.min(first + maxParts, sizes.length);
  const truncated = last < sizes.length;
  xml += `<PartNumberMarker>${marker}</PartNumberMarker>`;
  if (last > first) xml += `<NextPartNumberMarker>${last}</NextPartNumberMarker>`;
  xml += `<MaxParts>${maxParts}</MaxParts><IsTruncated>${truncated}</IsTruncated>`;
  for (let i = first; i < last; i++) {
    const checksum = { algorithm: info.checksum.algorithm, value: checksums[i] ?? "" };
    xml += `<Part><PartNumber>${i + 1}</PartNumber><Size>${sizes[i]}</Size>${checksum.value ? checksumXml(checksum) : ""}</Part>`;
  }
  return `${xml}</ObjectParts>`;
}

export const getObjectAttributes: Handler = async (ctx) => {
  const { req, store, target } = ctx;
  const versionId = versionIdOf(target.query);
  await ctx.authorize(
    versionId === undefined ? "s3:GetObject" : "s3:GetObjectVersion",
    target.bucket,
    target.key,
  );
  const wanted = requestedAttributes(req.headers.get("x-amz-object-attributes"));
  const keys = readKeysFrom(ctx).keys;
  const info = await store.headObject(target.bucket, target.key, keys, versionId, posixAccess(ctx));
  let xml = `<GetObjectAttributesResponse xmlns="${s3Namespace}">`;
  if (wanted.has("ETag")) xml += `<ETag>${xmlEscape(info.etag)}</ETag>`;
  if (wanted.has("Checksum") && info.checksum) {
    xml += `<Checksum>${checksumXml(info.checksum)}<ChecksumType>${info.checksum.type}</ChecksumType></Checksum>`;
  }
  if (wanted.has("ObjectParts")) xml += objectPartsXml(info, req.headers);
  if (wanted.has("StorageClass")) xml += "<StorageClass>STANDARD</StorageClass>";
  if (wanted.has("ObjectSize")) xml += `<ObjectSize>${info.size}</ObjectSize>`;
  return xmlResponse(`${xml}</GetObjectAttributesResponse>`, 200, {
    "last-modified": toHttpDate(info.lastModified),
    ...versionHeaders(info),
  });
};
