import { S3Error } from "./errors.ts";

const maxPageSize = 1000;

/**
 * A page size (max-keys, max-uploads, max-parts, x-amz-max-parts): absent → 1000, above 1000 →
 * 1000, not a non-negative integer → InvalidArgument.
 */
export function parseMaxKeys(value: string | null, name = "max-keys"): number {
  if (value === null || value === "") return maxPageSize;
  if (!/^\d+$/.test(value)) {
    throw new S3Error("InvalidArgument", `Provided ${name} not an integer or within integer range`, {
      ArgumentName: name,
      ArgumentValue: value,
    });
  }
  return Math.min(Number(value), maxPageSize);
}

export function parseEncodingType(value: string | null): "url" | undefined {
  if (value === null) return undefined;
  if (value.toLowerCase() !== "url") {
    throw new S3Error("InvalidArgument", "Invalid Encoding Method specified in Request", {
      ArgumentName: "encoding-type",
      ArgumentValue: value,
    });
  }
  return "url";
}

/** A stateless ListObjectsV2 continuation token: the last key or prefix returned, base64url. */
export function encodeContinuationToken(cursor: string): string {
  const bytes = new TextEncoder().encode(cursor);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function decodeContinuationToken(token: string): string {
  try {
    const binary = atob(token.replaceAll("-", "+").replaceAll("_", "/"));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new S3Error("InvalidArgument", "The continuation token provided is incorrect", {
      ArgumentName: "continuation-token",
    });
  }
}

/** encoding-type=url: percent-encode everything but unreserved characters and "/". */
export function urlEncodeKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll("%2F", "/");
}
