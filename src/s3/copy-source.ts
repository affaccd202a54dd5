import { S3Error } from "./errors.ts";

/** Parses x-amz-copy-source: "/bucket/key" or "bucket/key", URL-encoded, optional ?versionId=. */
export function parseCopySource(header: string): { bucket: string; key: string } {
  let value = header.trim();
  const q = value.indexOf("?");
  if (q >= 0) {
    const params = new URLSearchParams(value.slice(q + 1));
    const versionId = params.get("versionId");
    if (versionId !== null && versionId !== "null") {
      throw new S3Error("NoSuchVersion", "The specified version does not exist.");
    }
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
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}
