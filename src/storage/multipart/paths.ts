/**
 * Upload ids and where multipart state lives, inside the bucket's reserved directory:
 *
 *   <bucket>/.s3dir/uploads/<id>/upload.json    key, attributes, checksum of the upload
 *   <bucket>/.s3dir/uploads/<id>/part-00001     part bytes; MD5 and checksum in its metadata record
 *   <bucket>/.s3dir/completing/<id>.<writer>/   an upload claimed by a Complete (by rename); the
 *                                               claimant's writer id tells whether it is alive
 *   <bucket>/.s3dir/trash/<id>-<random>/        an aborted or expired upload being removed
 *   <bucket>/.s3dir/completed/<id>              a completed upload's key and ETag, for a repeated
 *                                               Complete (completed.ts)
 *
 * An upload id is 12 hex digits of its creation time in ms followed by 32 random base64url
 * characters (192 bits): unguessable, safe as a file name, and sorting ids of one key by string
 * sorts them by initiation. Every id from a request is checked against this shape before it
 * touches a path.
 */
import type { Layout } from "../layout/paths.ts";
import { isWriterId } from "../layout/temp-names.ts";

const idPattern = /^[0-9a-f]{12}[A-Za-z0-9_-]{32}$/;
const partPattern = /^part-(\d{5})$/;

export const MAX_PART_NUMBER = 10_000;
export const UPLOAD_FILE = "upload.json";

export function newUploadId(now = Date.now()): string {
  const random = crypto.getRandomValues(new Uint8Array(24));
  let binary = "";
  for (const b of random) binary += String.fromCharCode(b);
  const b64 = btoa(binary).replaceAll("+", "-").replaceAll("/", "_");
  return now.toString(16).padStart(12, "0") + b64;
}

export function isValidUploadId(id: string): boolean {
  return idPattern.test(id);
}

/** When the upload was created, read from its id. */
export function uploadIdTime(id: string): number {
  return Number.parseInt(id.slice(0, 12), 16);
}

export function partFileName(partNumber: number): string {
  return `part-${String(partNumber).padStart(5, "0")}`;
}

/** The part number of a part file name, or undefined for any other name. */
export function partNumberOf(name: string): number | undefined {
  const m = partPattern.exec(name);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 1 && n <= MAX_PART_NUMBER ? n : undefined;
}

/** The upload id and claimant of a name in completing/; undefined for other names. */
export function parseClaim(name: string): { id: string; writer: string } | undefined {
  const dot = name.indexOf(".");
  const id = name.slice(0, dot);
  const writer = name.slice(dot + 1);
  return dot > 0 && isValidUploadId(id) && isWriterId(writer) ? { id, writer } : undefined;
}

export class UploadPaths {
  constructor(private readonly layout: Layout) {}

  uploads(bucket: string): string {
    return this.layout.reserved(bucket, "uploads");
  }
  upload(bucket: string, id: string): string {
    return `${this.uploads(bucket)}/${id}`;
  }
  completingDir(bucket: string): string {
    return this.layout.reserved(bucket, "completing");
  }
  /** Where a Complete run by `writer` (../sweeps/writer-lease.ts) holds the upload while it completes it. */
  claim(bucket: string, id: string, writer: string): string {
    return `${this.completingDir(bucket)}/${id}.${writer}`;
  }
  trash(bucket: string): string {
    return this.layout.reserved(bucket, "trash");
  }
  staging(bucket: string): string {
    return this.layout.reserved(bucket, "tmp");
  }
}

/**
 * The key a part's metadata record is filed under (only the sidecar store uses it): stable
 * while the upload directory moves between uploads/ and completing/.
 */
export function partRecordKey(id: string, partNumber: number): string {
  return `.s3dir-upload/${id}/${partFileName(partNumber)}`;
}
