import { accountOf } from "../../auth/account.ts";
import { toIsoDate } from "../../lib/http-date.ts";
import { newBucketAccess, storeNewBucketAccess } from "../acl/new-bucket.ts";
import type { Handler } from "../context.ts";
import { S3Error } from "../errors.ts";
import { ownerFieldsXml } from "../owner-xml.ts";
import { readXmlBody } from "../request-body.ts";
import { emptyResponse, s3Namespace, xmlResponse } from "../responses.ts";
import { xmlEscape } from "../xml/escape.ts";
import { childText } from "../xml/parse.ts";

/** ListBuckets: the buckets of the caller's account, with that account as Owner. */
export const listBuckets: Handler = async ({ store, config, target, auth }) => {
  const prefix = target.query.get("prefix") ?? "";
  const maxBuckets = parseMaxBuckets(target.query.get("max-buckets"));
  const after = decodeToken(target.query.get("continuation-token"));
  const account = accountOf(auth.principal);
  const candidates = (await store.listBuckets()).filter((b) => b.name.startsWith(prefix) && b.name > after);
  const owners = await Promise.all(candidates.map((b) => config.owners.accountOf(b.name)));
  const all = candidates.filter((_, i) => owners[i] === account);
  const page = all.slice(0, maxBuckets);
  const truncated = all.length > page.length;
  const owner = ownerFieldsXml(await config.owners.account(account));
  let xml = `<ListAllMyBucketsResult xmlns="${s3Namespace}"><Owner>${owner}</Owner><Buckets>`;
  for (const bucket of page) {
    xml += `<Bucket><Name>${bucket.name}</Name><CreationDate>${toIsoDate(bucket.created)}</CreationDate><BucketRegion>${config.region}</BucketRegion></Bucket>`;
  }
  xml += "</Buckets>";
  if (truncated && page.length)
    xml += `<ContinuationToken>${btoa(page[page.length - 1]!.name)}</ContinuationToken>`;
  if (target.query.has("prefix")) xml += `<Prefix>${xmlEscape(prefix)}</Prefix>`;
  return xmlResponse(`${xml}</ListAllMyBucketsResult>`);
};

function parseMaxBuckets(value: string | null): number {
  if (value === null) return 10000;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10000) {
    throw new S3Error("InvalidArgument", "max-buckets must be an integer from 1 to 10000.");
  }
  return n;
}

function decodeToken(token: string | null): string {
  if (!token) return "";
  try {
    return atob(token);
  } catch {
    throw new S3Error("InvalidArgument", "The continuation token provided is incorrect.");
  }
}

export const createBucket: Handler = async (ctx) => {
  const { store, config, target } = ctx;
  const body = await readXmlBody(ctx, 64 * 1024, false);
  if (body) {
    const constraint = childText(body, "LocationConstraint");
    if (constraint && constraint !== config.region) {
      throw new S3Error(
        "InvalidLocationConstraint",
        `The specified location-constraint is not valid; this endpoint serves ${config.region}.`,
      );
    }
  }
  const objectLock = objectLockAsked(ctx.req.headers);
  if (objectLock) {
    await ctx.authorize("s3:PutBucketObjectLockConfiguration", target.bucket, "");
    await ctx.authorize("s3:PutBucketVersioning", target.bucket, "");
  }
  const access = await newBucketAccess(ctx);
  for (const action of access.actions) await ctx.authorize(action, target.bucket, "");
  const account = accountOf(ctx.auth.principal);
  if (config.maxBuckets !== undefined) {
    // Counted by each host from the root as it is now: hosts creating at the same moment may both
    // pass the last free place; the limit is a guard against runaway scripts, not an exact quota.
    const buckets = await store.listBuckets();
    if (buckets.length >= config.maxBuckets && !buckets.some((b) => b.name === target.bucket))
      throw new S3Error("TooManyBuckets");
  }
  try {
    await store.createBucket(target.bucket, objectLock ? { objectLock } : undefined);
  } catch (e) {
    if ((e as { code?: string }).code !== "BucketExists") throw e;
    const owner = await config.owners.accountOf(target.bucket);
    if (owner !== undefined && owner !== account)
      throw new S3Error(
        "BucketAlreadyExists",
        "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
        { BucketName: target.bucket },
      );
    // As AWS: the owner's own name again is 200 in us-east-1 (legacy), BucketAlreadyOwnedByYou elsewhere.
    if (config.region !== "us-east-1") throw e;
    return emptyResponse(200, { location: `/${target.bucket}` });
  }
  await config.owners.record(target.bucket, account);
  await storeNewBucketAccess(store, target.bucket, access);
  return emptyResponse(200, { location: `/${target.bucket}` });
};

/** x-amz-bucket-object-lock-enabled: true; any other value leaves the bucket without object lock. */
function objectLockAsked(headers: Headers): boolean {
  return (headers.get("x-amz-bucket-object-lock-enabled") ?? "").trim().toLowerCase() === "true";
}

export const headBucket: Handler = async ({ store, config, target }) => {
  await store.headBucket(target.bucket);
  return emptyResponse(200, { "x-amz-bucket-region": config.region, "x-amz-access-point-alias": "false" });
};

export const deleteBucket: Handler = async ({ store, target, config }) => {
  await store.deleteBucket(target.bucket);
  config.owners.forget(target.bucket);
  return emptyResponse(204);
};

export const getBucketLocation: Handler = async ({ store, config, target }) => {
  await store.headBucket(target.bucket);
  const region = config.region === "us-east-1" ? "" : config.region;
  return xmlResponse(`<LocationConstraint xmlns="${s3Namespace}">${region}</LocationConstraint>`);
};
