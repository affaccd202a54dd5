import * as v from "valibot";
import { type ArgumentSchema, argument } from "./argument.ts";
import { S3Error } from "./errors.ts";

const maxPageSize = 1000;

/** A page size (max-keys, max-uploads, max-parts, x-amz-max-parts): absent or empty is a full page. */
const pageSize: ArgumentSchema<number> = v.pipe(
  v.nullable(v.string()),
  v.transform((value) => value || String(maxPageSize)),
  v.digits("Provided {name} not an integer or within integer range"),
  v.transform((digits) => Math.min(Number(digits), maxPageSize)),
);

const encodingType: ArgumentSchema<"url" | null> = v.nullable(
  v.pipe(v.string(), v.toLowerCase(), v.literal("url", "Invalid Encoding Method specified in Request")),
);

export function parseMaxKeys(value: string | null, name = "max-keys"): number {
  return argument(pageSize, name, value);
}

/** encoding-type: "url" in any case, or absent. */
export function parseEncodingType(value: string | null): "url" | undefined {
  return argument(encodingType, "encoding-type", value) ?? undefined;
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
