import { S3Error } from "./errors.ts";

/** True when the request declares a digest of its body: Content-MD5, an x-amz-checksum-* header or a trailer. */
export function hasIntegrityHeader(headers: Headers): boolean {
  if (headers.has("content-md5") || headers.has("x-amz-trailer")) return true;
  for (const name of headers.keys()) {
    if (
      name.startsWith("x-amz-checksum-") &&
      name !== "x-amz-checksum-type" &&
      name !== "x-amz-checksum-mode"
    )
      return true;
  }
  return false;
}

/** The InvalidRequest S3 answers a request that must carry Content-MD5 or a checksum and has neither. */
export function requireIntegrityHeader(headers: Headers): void {
  if (!hasIntegrityHeader(headers)) {
    throw new S3Error("InvalidRequest", "Missing required header for this request: Content-MD5");
  }
}
