import { toIsoDate } from "../../lib/http-date.ts";
import { newBucketAccess, storeNewBucketAccess } from "../acl/new-bucket.ts";
import type { Handler } from "../context.ts";
import { S3Error } from "../errors.ts";
import { readXmlBody } from "../request-body.ts";
import { emptyResponse, s3Namespace, xmlResponse } from "../responses.ts";
import { xmlEscape } from "../xml/escape.ts";
import { childText } from "../xml/parse.ts";

export const listBuckets: Handler = async ({ store, config, target }) => {
  const prefix = target.query.get("prefix") ?? "";
  const maxBuckets = parseMaxBuckets(target.query.get("max-buckets"));
  const after = decodeToken(target.query.get("continuation-token"));
  const all = (await store.listBuckets()).filter((b) => b.name.startsWith(prefix) && b.name > after);
  const page = all.slice(0, maxBuckets);
  const truncated = all.length > page.length;
  let xml = `<ListAllMyBucketsResult xmlns="${s3Namespace}"><Owner><ID>${config.owner.id}</ID><DisplayName>${xmlEscape(config.owner.displayName)}</DisplayName></Owner><Buckets>`;
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
  const access = newBucketAccess(ctx, target.bucket);
  for (const action of access.actions) await ctx.authorize(action, target.bucket, "");
  await store.createBucket(target.bucket, objectLock ? { objectLock } : undefined);
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

export const deleteBucket: Handler = async ({ store, target }) => {
  await store.deleteBucket(target.bucket);
  return emptyResponse(204);
};

export const getBucketLocation: Handler = async ({ store, config, target }) => {
  await store.headBucket(target.bucket);
  const region = config.region === "us-east-1" ? "" : config.region;
  return xmlResponse(`<LocationConstraint xmlns="${s3Namespace}">${region}</LocationConstraint>`);
};
