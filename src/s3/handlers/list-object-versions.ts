/**
 * ListObjectVersions: keys in UTF-8 byte order, each key's versions and delete markers newest
 * first, grouped by delimiter; NextKeyMarker / NextVersionIdMarker are the stateless cursor any
 * host resumes from. An unversioned bucket lists its objects as `null` versions.
 */
import { toIsoDate } from "../../lib/http-date.ts";
import type { ListedVersion } from "../../storage/index.ts";
import type { Handler } from "../context.ts";
import { parseEncodingType, parseMaxKeys, urlEncodeKey } from "../list-params.ts";
import { objectOwnersXml } from "../owner-xml.ts";
import { quoteEtag, s3Namespace, xmlResponse } from "../responses.ts";
import { parseVersionMarkers } from "../version-params.ts";
import { xmlEscape } from "../xml/escape.ts";

export const listObjectVersions: Handler = async (ctx) => {
  const { query, bucket } = ctx.target;
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const maxKeys = parseMaxKeys(query.get("max-keys"));
  const encode = parseEncodingType(query.get("encoding-type"))
    ? (v: string) => xmlEscape(urlEncodeKey(v))
    : xmlEscape;
  const { keyMarker, versionIdMarker } = parseVersionMarkers(query);
  const result = await ctx.store.listObjectVersions({
    bucket,
    prefix,
    delimiter,
    keyMarker,
    versionIdMarker,
    maxKeys,
  });
  const owners = await objectOwnersXml(ctx, result.versions);
  let xml = `<ListVersionsResult xmlns="${s3Namespace}"><Name>${bucket}</Name><Prefix>${encode(prefix)}</Prefix>`;
  xml += `<KeyMarker>${encode(keyMarker)}</KeyMarker><VersionIdMarker>${xmlEscape(versionIdMarker)}</VersionIdMarker>`;
  if (result.isTruncated && result.nextKeyMarker !== undefined) {
    xml += `<NextKeyMarker>${encode(result.nextKeyMarker)}</NextKeyMarker>`;
    if (result.nextVersionIdMarker !== undefined) {
      xml += `<NextVersionIdMarker>${xmlEscape(result.nextVersionIdMarker)}</NextVersionIdMarker>`;
    }
  }
  xml += `<MaxKeys>${maxKeys}</MaxKeys>`;
  if (delimiter) xml += `<Delimiter>${encode(delimiter)}</Delimiter>`;
  if (query.has("encoding-type")) xml += "<EncodingType>url</EncodingType>";
  xml += `<IsTruncated>${result.isTruncated}</IsTruncated>`;
  for (const [i, v] of result.versions.entries()) xml += versionXml(v, encode, owners[i]!);
  for (const p of result.commonPrefixes)
    xml += `<CommonPrefixes><Prefix>${encode(p)}</Prefix></CommonPrefixes>`;
  return xmlResponse(`${xml}</ListVersionsResult>`);
};

function versionXml(v: ListedVersion, encode: (value: string) => string, ownerXml: string): string {
  const head = `<Key>${encode(v.key)}</Key><VersionId>${xmlEscape(v.versionId)}</VersionId><IsLatest>${v.isLatest}</IsLatest><LastModified>${toIsoDate(v.lastModified)}</LastModified>`;
  if (v.deleteMarker) return `<DeleteMarker>${head}${ownerXml}</DeleteMarker>`;
  return `<Version>${head}<ETag>${xmlEscape(quoteEtag(v.etag))}</ETag><Size>${v.size}</Size>${ownerXml}<StorageClass>STANDARD</StorageClass></Version>`;
}
