/**
 * Server-side encryption headers: SSE-S3 (`x-amz-server-side-encryption: AES256`, or the
 * bucket's default), SSE-KMS (`aws:kms` and its key id, context and bucket key headers) and SSE-C (`x-amz-server-side-encryption-customer-*`, and the
 * `x-amz-copy-source-server-side-encryption-customer-*` keys of a copy source), parsed into
 * what storage needs, with S3's errors for what is wrong; and the headers S3 answers with.
 */
import { createHash } from "node:crypto";
import { accountId } from "../auth/account.ts";
import type { EncryptionRequest, KmsRequest, ObjectEncryption, ReadKeys } from "../storage/index.ts";
import { type BucketDefault, parseBucketDefault } from "./bodies/bucket-encryption.ts";
import type { S3Context } from "./context.ts";
import { S3Error } from "./errors.ts";

export const SSE = "x-amz-server-side-encryption";
const CUSTOMER = `${SSE}-customer-`;
const COPY_SOURCE_CUSTOMER = `x-amz-copy-source-server-side-encryption-customer-`;

/** A customer key a request brought, with the MD5 (base64) it declared for it. */
export interface CustomerKey {
  key: Uint8Array;
  md5: string;
}

function isSecure(ctx: S3Context): boolean {
  return ctx.req.url.startsWith("https:") || ctx.config.allowSseCOverHttp === true;
}

/** The SSE-C key of the request (or of its copy source), validated; undefined when absent. */
export function customerKeyFrom(
  ctx: S3Context,
  copySource = false,
  h: Headers = ctx.req.headers,
): CustomerKey | undefined {
  const prefix = copySource ? COPY_SOURCE_CUSTOMER : CUSTOMER;
  const algorithm = h.get(`${prefix}algorithm`);
  const keyText = h.get(`${prefix}key`);
  const md5 = h.get(`${prefix}key-md5`);
  if (algorithm === null && keyText === null && md5 === null) return undefined;
  if (!isSecure(ctx)) {
    throw new S3Error(
      "InvalidRequest",
      "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.",
    );
  }
  if (algorithm === null) {
    throw new S3Error(
      "InvalidArgument",
      "Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.",
      { ArgumentName: `${prefix}algorithm` },
    );
  }
  if (algorithm !== "AES256") {
    throw new S3Error("InvalidArgument", "The encryption algorithm specified is not supported; use AES256.", {
      ArgumentName: `${prefix}algorithm`,
      ArgumentValue: algorithm,
    });
  }
  if (keyText === null) {
    throw new S3Error(
      "InvalidArgument",
      "Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.",
      { ArgumentName: `${prefix}key` },
    );
  }
  const key = new Uint8Array(Buffer.from(keyText, "base64"));
  if (key.length !== 32 || Buffer.from(key).toString("base64") !== keyText.replace(/\s/g, "")) {
    throw new S3Error("InvalidArgument", "The secret key was invalid for the specified algorithm.", {
      ArgumentName: `${prefix}key`,
    });
  }
  if (md5 === null) {
    throw new S3Error(
      "InvalidArgument",
      "Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.",
      { ArgumentName: `${prefix}key-MD5` },
    );
  }
  if (createHash("md5").update(key).digest("base64") !== md5) {
    throw new S3Error(
      "InvalidArgument",
      "The calculated MD5 hash of the key did not match the hash that was provided.",
      {
        ArgumentName: `${prefix}key-MD5`,
      },
    );
  }
  return { key, md5 };
}

/**
 * Keys a request brings for an existing object or upload (GET, HEAD, UploadPart, Complete:
 * the SSE-C key only; the SSE header is refused), or for a copy source.
 */
export function readKeysFrom(
  ctx: S3Context,
  copySource = false,
): { keys?: ReadKeys; customer?: CustomerKey } {
  if (!copySource && ctx.req.headers.has(SSE)) {
    throw new S3Error(
      "InvalidArgument",
      "x-amz-server-side-encryption header is not supported for this operation.",
      {
        ArgumentName: SSE,
      },
    );
  }
  const customer = customerKeyFrom(ctx, copySource);
  return customer ? { keys: { customerKey: customer.key }, customer } : {};
}

/** A bucket's default encryption (the `encryption` setting), re-read at most once a second. */
const defaults = new WeakMap<object, Map<string, { at: number; value: BucketDefault | undefined }>>();
const defaultTtlMs = 1000;

export function forgetBucketDefault(ctx: S3Context): void {
  defaults.get(ctx.store)?.delete(ctx.target.bucket);
}

async function bucketDefault(ctx: S3Context): Promise<BucketDefault | undefined> {
  let perStore = defaults.get(ctx.store);
  if (!perStore) {
    perStore = new Map();
    defaults.set(ctx.store, perStore);
  }
  const cached = perStore.get(ctx.target.bucket);
  if (cached && Date.now() - cached.at < defaultTtlMs) return cached.value;
  const text = await ctx.store.getBucketSetting(ctx.target.bucket, "encryption");
  const value = text === undefined ? undefined : parseBucketDefault(text);
  perStore.set(ctx.target.bucket, { at: Date.now(), value });
  return value;
}

const KMS_KEY_ID = `${SSE}-aws-kms-key-id`;
const KMS_CONTEXT = `${SSE}-context`;
const BUCKET_KEY = `${SSE}-bucket-key-enabled`;

/** The encryption context header: base64 of a JSON string map, kept as that JSON text. */
function kmsContextFrom(text: string): string {
  const fail = () =>
    new S3Error(
      "InvalidArgument",
      `The header '${KMS_CONTEXT}' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map`,
      { ArgumentName: KMS_CONTEXT },
    );
  const bytes = Buffer.from(text, "base64");
  if (bytes.toString("base64").replace(/=+$/, "") !== text.trim().replace(/=+$/, "")) throw fail();
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw fail();
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw fail();
  if (!Object.values(json).every((value) => typeof value === "string")) throw fail();
  // Bound to the data key and kept in the object's record, which must stay small.
  const kept = JSON.stringify(json);
  if (kept.length > 1024) {
    throw new S3Error("InvalidArgument", "The encryption context may be at most 1024 bytes of JSON.", {
      ArgumentName: KMS_CONTEXT,
    });
  }
  return kept;
}

function bucketKeyFrom(text: string | null): boolean | undefined {
  if (text === null) return undefined;
  const value = text.toLowerCase();
  if (value !== "true" && value !== "false") {
    throw new S3Error(
      "InvalidArgument",
      "The value of the bucket key enabled header must be true or false.",
      {
        ArgumentName: BUCKET_KEY,
        ArgumentValue: text,
      },
    );
  }
  return value === "true";
}

/** S3 neither writes nor serves anything under KMS for a Signature Version 2 request. */
function refuseKmsOverSigV2(ctx: S3Context): void {
  const { auth } = ctx;
  if (auth.kind !== "sigv4" || (auth.signatureVersion !== "AWS" && auth.postForm !== "AWS")) return;
  throw new S3Error(
    "InvalidArgument",
    "Requests specifying Server Side Encryption with AWS KMS managed keys require AWS Signature Version 4.",
    { ArgumentName: "Authorization", ArgumentValue: "null" },
  );
}

/** A read of an object encrypted under KMS, signed with Signature Version 2: refused as on S3. */
export function refuseKmsReadOverSigV2(ctx: S3Context, encryption: ObjectEncryption | undefined): void {
  if (encryption?.kind === "SSE-KMS") refuseKmsOverSigV2(ctx);
}

function kmsRequest(
  ctx: S3Context,
  keyId: string | undefined,
  context?: string,
  bucketKey?: boolean,
): EncryptionRequest {
  refuseKmsOverSigV2(ctx);
  const kms: KmsRequest = { home: { region: ctx.config.region, account: accountId } };
  if (keyId !== undefined) kms.keyId = keyId;
  if (context !== undefined) kms.context = context;
  if (bucketKey) kms.bucketKey = true;
  return { mode: "KMS", kms };
}

/**
 * What a write (PUT, CreateMultipartUpload, Copy destination, POST) asks for, bucket default
 * included; `h` holds the SSE fields (a POST form's fields, given as Headers). SSE-KMS: the key
 * named by `x-amz-server-side-encryption-aws-kms-key-id` (key id, key ARN, alias or alias ARN),
 * else the default key `aws/s3` as on S3; the dual-layer `aws:kms:dsse` is refused (one layer
 * is all that is done here).
 */
export async function writeEncryptionFrom(
  ctx: S3Context,
  h: Headers = ctx.req.headers,
): Promise<{ request?: EncryptionRequest; customer?: CustomerKey }> {
  const sse = h.get(SSE);
  const customer = customerKeyFrom(ctx, false, h);
  if (sse === "aws:kms:dsse") {
    throw new S3Error(
      "NotImplemented",
      "Dual-layer server-side encryption (aws:kms:dsse) is not offered; use aws:kms (SSE-KMS).",
    );
  }
  if (sse !== null && sse !== "AES256" && sse !== "aws:kms") {
    throw new S3Error("InvalidArgument", "The encryption method specified is not supported", {
      ArgumentName: SSE,
      ArgumentValue: sse,
    });
  }
  const keyId = h.get(KMS_KEY_ID);
  const contextText = h.get(KMS_CONTEXT);
  if (sse !== "aws:kms" && (keyId !== null || contextText !== null)) {
    throw new S3Error(
      "InvalidArgument",
      `Server Side Encryption with AWS KMS managed key requires HTTP header ${SSE} : aws:kms`,
      { ArgumentName: SSE, ArgumentValue: sse ?? "null" },
    );
  }
  if (sse !== null && customer) {
    throw new S3Error(
      "InvalidArgument",
      "Server Side Encryption with Customer provided key is incompatible with the encryption method specified",
      { ArgumentName: SSE, ArgumentValue: sse },
    );
  }
  const bucketKey = bucketKeyFrom(h.get(BUCKET_KEY));
  if (customer) return { request: { mode: "C", customerKey: customer.key }, customer };
  if (sse === "aws:kms") {
    const context = contextText === null ? undefined : kmsContextFrom(contextText);
    return { request: kmsRequest(ctx, keyId ?? undefined, context, bucketKey) };
  }
  if (sse === "AES256") return { request: { mode: "S3" } };
  const fallback = await bucketDefault(ctx);
  if (fallback?.algorithm === "aws:kms") {
    return { request: kmsRequest(ctx, fallback.kmsKeyId, undefined, bucketKey ?? fallback.bucketKeyEnabled) };
  }
  if (fallback) return { request: { mode: "S3" } };
  return {};
}

/**
 * The SSE response headers of an object: AES256 for SSE-S3; aws:kms, the key's ARN and the
 * bucket key flag for SSE-KMS (and the encryption context when `withContext`: PUT, Copy and
 * CreateMultipartUpload answer it); algorithm and key MD5 for SSE-C.
 */
export function sseResponseHeaders(
  encryption: ObjectEncryption | undefined,
  customer?: CustomerKey,
  withContext = false,
): Record<string, string> {
  if (!encryption) return {};
  if (encryption.kind === "SSE-S3") return { [SSE]: "AES256" };
  if (encryption.kind === "SSE-KMS") {
    const out: Record<string, string> = { [SSE]: "aws:kms" };
    if (encryption.kmsKeyArn) out[KMS_KEY_ID] = encryption.kmsKeyArn;
    if (encryption.bucketKey) out[BUCKET_KEY] = "true";
    if (withContext && encryption.context)
      out[KMS_CONTEXT] = Buffer.from(encryption.context).toString("base64");
    return out;
  }
  const out: Record<string, string> = { [`${CUSTOMER}algorithm`]: "AES256" };
  if (customer) out[`${CUSTOMER}key-md5`] = customer.md5;
  return out;
}
