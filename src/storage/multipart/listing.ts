/**
 * ListMultipartUploads: the bucket's uploads sorted by key (UTF-8 byte order), then by
 * initiation (upload ids of one key sort by their time prefix), with prefix, delimiter grouping
 * and the key-marker / upload-id-marker cursor. In-flight uploads are few, so every call reads
 * every upload.json.
 */
import { keyOfAltDiskKey } from "../layout/alt-keys.ts";
import { compareUtf8 } from "../layout/keys.ts";
import type { ListUploadsInput, ListUploadsResult, UploadInfo } from "./types.ts";

/** Sorts and pages uploads as S3 lists them. */
export function pageUploads(all: UploadInfo[], input: ListUploadsInput): ListUploadsResult {
  const sorted = all
    .map((u) => ({ ...u, key: keyOfAltDiskKey(u.key) ?? u.key })) // uploads to the alternate area
    .filter((u) => u.key.startsWith(input.prefix))
    .sort((a, b) => compareUtf8(a.key, b.key) || compareUtf8(a.uploadId, b.uploadId));
  const after = (u: UploadInfo) => {
    if (!input.keyMarker) return true;
    const c = compareUtf8(u.key, input.keyMarker);
    if (c !== 0) return c > 0;
    return input.uploadIdMarker !== "" && compareUtf8(u.uploadId, input.uploadIdMarker) > 0;
  };
  const uploads: UploadInfo[] = [];
  const commonPrefixes: string[] = [];
  let lastKey: string | undefined;
  let lastId: string | undefined;
  let isTruncated = false;
  for (const u of sorted) {
    if (!after(u)) continue;
    const group = groupOf(u.key, input.prefix, input.delimiter);
    if (group !== undefined && group === commonPrefixes.at(-1)) continue;
    if (group !== undefined && input.keyMarker && compareUtf8(group, input.keyMarker) <= 0) continue;
    if (uploads.length + commonPrefixes.length >= input.maxUploads) {
      isTruncated = true;
      break;
    }
    if (group !== undefined) {
      commonPrefixes.push(group);
      lastKey = group;
      lastId = undefined;
    } else {
      uploads.push(u);
      lastKey = u.key;
      lastId = u.uploadId;
    }
  }
  const result: ListUploadsResult = { uploads, commonPrefixes, isTruncated };
  if (isTruncated) {
    result.nextKeyMarker = lastKey;
    result.nextUploadIdMarker = lastId;
  }
  return result;
}

function groupOf(key: string, prefix: string, delimiter: string): string | undefined {
  if (!delimiter) return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at < 0 ? undefined : key.slice(0, at + delimiter.length);
}
