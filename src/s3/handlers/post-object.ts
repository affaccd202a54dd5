/**
 * POST Object: a browser's HTML form upload. The form is read as it streams: its fields (before
 * the file) authenticate the request and must meet the signed policy; the file streams to the
 * store like a PUT's body (checked against content-length-range as it goes); the answer is a
 * redirect, an empty 200/204 or the PostResponse document, as success_action_* ask.
 */
import { authenticatePostForm } from "../../auth/post-signature.ts";
import { checksumHeaderName } from "../../lib/checksum-algorithm.ts";
import { hasDotSegment } from "../../lib/dot-segments.ts";
import { encryptionOf } from "../../storage/index.ts";
import { objectAclFromCanned } from "../acl/write-acl.ts";
import { fromAuthError } from "../auth-errors.ts";
import { taggingRequest } from "../bodies/tagging.ts";
import type { Handler, S3Context } from "../context.ts";
import { S3Error } from "../errors.ts";
import { putLockRequestFrom } from "../lock-params.ts";
import { attributesFromRequest } from "../object-headers.ts";
import { posixAccess } from "../posix-access.ts";
import { formHeaders } from "../post/form-headers.ts";
import { type FormFile, formBoundary, readForm } from "../post/multipart-form.ts";
import { checkPostPolicy, parsePostPolicy, type SizeRange } from "../post/post-policy.ts";
import { postSuccess } from "../post/post-success.ts";
import { sizeChecked } from "../post/size-range.ts";
import { quoteEtag } from "../responses.ts";
import { guardSlowBody } from "../slow-body-guard.ts";
import { sseResponseHeaders, writeEncryptionFrom } from "../sse-headers.ts";
import { uploadBody } from "../upload-body.ts";
import { writtenVersionHeaders } from "../version-params.ts";
import { writerOwner } from "../writer-owner.ts";
import { parseXml } from "../xml/parse.ts";

/** S3's limit for one POST, as for one PUT. */
const maxPostObjectSize = 5 * 1024 ** 3;

const enclosure = "Bucket POST must be of the enclosure-type multipart/form-data";

function invalidArgument(message: string, name: string, value: string): S3Error {
  return new S3Error("InvalidArgument", message, { ArgumentName: name, ArgumentValue: value });
}

export const postObject: Handler = async (ctx) => {
  const { req, store, target } = ctx;
  const boundary = formBoundary(req.headers.get("content-type"));
  if (!boundary) throw new S3Error("PreconditionFailed", enclosure, { Condition: enclosure });
  await store.headBucket(target.bucket);
  const length = req.headers.get("content-length");
  const body = req.body
    ? guardSlowBody(req.body, length === null ? undefined : Number(length), ctx.config.bodyTimeoutMs ?? 0)
    : new Blob([]).stream();
  const form = await readForm(body, boundary);
  try {
    return await upload(ctx, form.fields, form.file);
  } catch (e) {
    await form.file?.stream.cancel().catch(() => {});
    throw e;
  }
};

async function upload(
  ctx: S3Context,
  fields: readonly { name: string; value: string }[],
  file: FormFile | undefined,
): Promise<Response> {
  const { store, target } = ctx;
  const values = new Map<string, string>();
  for (const { name, value } of fields) {
    const lower = name.toLowerCase();
    if (!values.has(lower)) values.set(lower, value);
  }
  const get = (name: string) => values.get(name);
  const signed = await authenticatePostForm(get, ctx.credentials, { region: ctx.config.region }).catch(
    (e: unknown) => {
      throw fromAuthError(e);
    },
  );
  ctx.authenticated(signed.auth);
  const rawKey = get("key");
  if (rawKey === undefined) {
    throw invalidArgument(
      "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
      "key",
      "",
    );
  }
  let range: SizeRange = { min: 0, max: maxPostObjectSize };
  if (signed.policy !== undefined) {
    const allowed = checkPostPolicy(parsePostPolicy(signed.policy), {
      fields,
      bucket: target.bucket,
      exempt: signed.exempt,
      filename: file?.filename ?? "",
      now: new Date(),
    });
    range = { min: allowed.min, max: Math.min(allowed.max, maxPostObjectSize) };
  }
  if (!file) throw invalidArgument("POST requires exactly one file upload per request.", "file", "0");
  // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's own ${filename} variable
  const key = rawKey.replaceAll("${filename}", file.filename);
  if (key === "") throw invalidArgument("User key must have a length greater than 0.", "key", "");
  if (hasDotSegment(`/${key}`)) {
    throw new S3Error("InvalidArgument", "Object key is not valid: '.' or '..' segments are not allowed.");
  }
  // The request names its key only now: the access log and the audit trail take it from here.
  target.key = key;
  const tagging = get("tagging");
  const tags = tagging === undefined ? undefined : taggingRequest(parseXml(tagging), "object");
  await ctx.authorize("s3:PutObject", target.bucket, key, undefined, undefined, tags);

  const headers = formHeaders(fields);
  const postCtx: S3Context = {
    ...ctx,
    req: new Request(ctx.req.url, {
      method: "PUT",
      headers,
      body: sizeChecked(file.stream, range),
      duplex: "half",
    } as RequestInit),
  };
  const attributes = attributesFromRequest(headers);
  if (tags && tags.length > 0) attributes.tags = tags;
  const acl = await objectAclFromCanned(postCtx, target.bucket, get("acl"));
  if (acl) attributes.acl = acl;
  const lock = await putLockRequestFrom(headers, () => store.hasDefaultRetention(target.bucket));
  const sse = await writeEncryptionFrom(postCtx);
  const upload = uploadBody(postCtx, { lengthOptional: true });
  const result = await store.putObject({
    bucket: target.bucket,
    key,
    body: upload.stream,
    attributes,
    verify: upload.verify,
    encryption: sse.request,
    lock,
    owner: writerOwner(postCtx),
    access: posixAccess(postCtx),
  });
  ctx.bytesIn += result.size;
  const responseHeaders: Record<string, string> = {
    etag: quoteEtag(result.etag),
    ...sseResponseHeaders(encryptionOf(result), sse.customer),
    ...writtenVersionHeaders(result),
  };
  if (result.checksum) {
    responseHeaders[checksumHeaderName(result.checksum.algorithm)] = result.checksum.value;
    responseHeaders["x-amz-checksum-type"] = result.checksum.type;
  }
  return postSuccess(ctx, key, result.etag, get, responseHeaders);
}
