import { formatAmzDate } from "./amz-date.ts";
import { toHex } from "./hex.ts";
import { hmacSha256 } from "./hmac.ts";
import { sha256Hex } from "./sha256.ts";
import { canonicalQuery, canonicalUri, parseQuery, stringToSign } from "./sigv4-canonical.ts";
import { deriveSigningKey } from "./sigv4-signing-key.ts";

const authParams = new Set([
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Date",
  "X-Amz-Expires",
  "X-Amz-SignedHeaders",
  "X-Amz-Security-Token",
  "X-Amz-Signature",
]);

export interface PresignOptions {
  method: string;
  /** Absolute URL; its path must already be percent-encoded as it will be sent. */
  url: string | URL;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** 1 … 604800. */
  expiresSeconds: number;
  sessionToken?: string;
  /** Defaults to "s3". */
  service?: string;
  /** Signing time; defaults to now. */
  now?: Date;
  /**
   * Headers the request will carry, signed with it (e.g. SSE-C key headers, which S3 refuses
   * unsigned on a presigned request). Names are case-insensitive; values are sent as given.
   */
  headers?: Record<string, string>;
}

/**
 * Makes a SigV4 presigned URL (query authentication, `UNSIGNED-PAYLOAD`; `host` and any given
 * headers signed).
 * The query of the returned URL is in canonical form, so what the server receives is what was signed.
 */
export async function presignUrl(options: PresignOptions): Promise<string> {
  const { expiresSeconds } = options;
  if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > 604800) {
    throw new RangeError("expiresSeconds must be an integer from 1 to 604800");
  }
  const url = new URL(options.url);
  const service = options.service ?? "s3";
  const amzDate = formatAmzDate(options.now ?? new Date());
  const scope = `${amzDate.slice(0, 8)}/${options.region}/${service}/aws4_request`;

  const signed = new Map<string, string>([["host", url.host]]);
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    signed.set(name.toLowerCase(), value.trim().replace(/\s+/g, " "));
  }
  const names = [...signed.keys()].sort();
  const params = parseQuery(url.search.slice(1)).filter((p) => !authParams.has(p.name));
  params.push(
    { name: "X-Amz-Algorithm", value: "AWS4-HMAC-SHA256" },
    { name: "X-Amz-Credential", value: `${options.accessKeyId}/${scope}` },
    { name: "X-Amz-Date", value: amzDate },
    { name: "X-Amz-Expires", value: String(expiresSeconds) },
    { name: "X-Amz-SignedHeaders", value: names.join(";") },
  );
  if (options.sessionToken) params.push({ name: "X-Amz-Security-Token", value: options.sessionToken });

  const query = canonicalQuery(params);
  const payloadHash = service === "s3" ? "UNSIGNED-PAYLOAD" : await sha256Hex("");
  const canonicalHeaders = names.map((n) => `${n}:${signed.get(n)}\n`).join("");
  const canonicalRequest = `${options.method.toUpperCase()}\n${canonicalUri(url.pathname)}\n${query}\n${canonicalHeaders}\n${names.join(";")}\n${payloadHash}`;
  const key = await deriveSigningKey(options.secretAccessKey, amzDate.slice(0, 8), options.region, service);
  const signature = toHex(
    await hmacSha256(key, stringToSign(amzDate, scope, await sha256Hex(canonicalRequest))),
  );
  url.search = `${query}&X-Amz-Signature=${signature}`;
  return url.toString();
}
