/**
 * Server-side encryption headers: SSE-S3 (`x-amz-server-side-encryption: AES256`, or the
 * bucket's default) and SSE-C (`x-amz-server-side-encryption-customer-*`, and the
 * `x-amz-copy-source-server-side-encryption-customer-*` keys of a copy source), parsed into
 * what storage needs, with S3's errors for what is wrong; and the headers S3 answers with.
 */
import { createHash } from "node:crypto";
import type { EncryptionRequest, ObjectEncryption, ReadKeys } from "../storage/index.ts";
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
export function customerKeyFrom(ctx: S3Context, copySource = false): CustomerKey | undefined {
  const prefix = copySource ? COPY_SOURCE_CUSTOMER : CUSTOMER;
  const h = ctx.req.headers;
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
const defaults = new WeakMap<object, Map<string, { at: number; value: boolean }>>();
const defaultTtlMs = 1000;

export function forgetBucketDefault(ctx: S3Context): void {
  defaults.get(ctx.store)?.delete(ctx.target.bucket);
}

async function bucketDefaultEncrypts(ctx: S3Context): Promise<boolean> {
  let perStore = defaults.get(ctx.store);
  if (!perStore) {
    perStore = new Map();
    defaults.set(ctx.store, perStore);
  }
  const cached = perStore.get(ctx.target.bucket);
  if (cached && Date.now() - cached.at < defaultTtlMs) return cached.value;
  const text = await ctx.store.getBucketSetting(ctx.target.bucket, "encryption");
  const value = text !== undefined;
  perStore.set(ctx.target.bucket, { at: Date.now(), value });
  return value;
}

/** What a write (PUT, CreateMultipartUpload, Copy destination) asks for, bucket default included. */
export async function writeEncryptionFrom(
  ctx: S3Context,
): Promise<{ request?: EncryptionRequest; customer?: CustomerKey }> {
  const sse = ctx.req.headers.get(SSE);
  const customer = customerKeyFrom(ctx);
  if (ctx.req.headers.has(`${SSE}-aws-kms-key-id`) || sse === "aws:kms" || sse === "aws:kms:dsse") {
    throw new S3Error("NotImplemented", "SSE-KMS is not supported; use AES256 (SSE-S3) or SSE-C.");
  }
  if (sse !== null && sse !== "AES256") {
    throw new S3Error("InvalidArgument", "The encryption method specified is not supported", {
      ArgumentName: SSE,
      ArgumentValue: sse,
    });
  }
  if (sse !== null && customer) {
    throw new S3Error(
      "InvalidArgument",
      "Server Side Encryption with Customer provided key is incompatible with the encryption method specified",
      { ArgumentName: SSE, ArgumentValue: sse },
    );
  }
  if (customer) return { request: { mode: "C", customerKey: customer.key }, customer };
  if (sse !== null || (await bucketDefaultEncrypts(ctx))) return { request: { mode: "S3" } };
  return {};
}

/** The SSE response headers of an object: AES256 for SSE-S3, algorithm and key MD5 for SSE-C. */
export function sseResponseHeaders(
  encryption: ObjectEncryption | undefined,
  customer?: CustomerKey,
): Record<string, string> {
  if (!encryption) return {};
  if (encryption.kind === "SSE-S3") return { [SSE]: "AES256" };
  const out: Record<string, string> = { [`${CUSTOMER}algorithm`]: "AES256" };
  if (customer) out[`${CUSTOMER}key-md5`] = customer.md5;
  return out;
}
