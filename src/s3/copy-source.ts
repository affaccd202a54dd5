import { S3Error } from "./errors.ts";
import { versionIdOf } from "./version-params.ts";

/** Parses x-amz-copy-source: "/bucket/key" or "bucket/key", URL-encoded, optional ?versionId=. */
export function parseCopySource(header: string): { bucket: string; key: string; versionId?: string } {
  let value = header.trim();
  let versionId: string | undefined;
  const q = value.indexOf("?");
  if (q >= 0) {
    versionId = versionIdOf(new URLSearchParams(value.slice(q + 1)));
    value = value.slice(0, q);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    throw new S3Error(
      "InvalidArgument",
      "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
    );
  }
  if (decoded.startsWith("/")) decoded = decoded.slice(1);
  const slash = decoded.indexOf("/");
  if (slash <= 0 || slash === decoded.length - 1) {
    throw new S3Error(
      "InvalidArgument",
      "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
    );
  }
  const source = { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
  return versionId === undefined ? source : { ...source, versionId };
}
