/**
 * PutBucketLifecycleConfiguration / GetBucketLifecycleConfiguration /
 * DeleteBucketLifecycleConfiguration: the bucket's expiration rules, kept by storage as the
 * setting `lifecycle` (also edited by `s3dir bucket lifecycle-rule`). GET of none is 404
 * NoSuchLifecycleConfiguration. Both PUT and GET answer `x-amz-transition-default-minimum-object-size`
 * as S3 does: what the PUT asked for, else `all_storage_classes_128K` (S3's default).
 */
import type { LifecycleConfiguration, LifecycleFilter, LifecycleRule } from "../../storage/index.ts";
import { lifecycleConfigurationRequest } from "../bodies/lifecycle.ts";
import type { Handler } from "../context.ts";
import { S3Error } from "../errors.ts";
import { requireIntegrityHeader } from "../integrity-header.ts";
import { readXmlBody } from "../request-body.ts";
import { emptyResponse, s3Namespace, xmlResponse } from "../responses.ts";
import { xmlEscape } from "../xml/escape.ts";

const maxBodyBytes = 1024 * 1024;
const MIN_SIZE = "x-amz-transition-default-minimum-object-size";
const minSizes = ["varies_by_storage_class", "all_storage_classes_128K"] as const;
type MinSize = (typeof minSizes)[number];

export const putBucketLifecycle: Handler = async (ctx) => {
  const { req, store, target } = ctx;
  requireIntegrityHeader(req.headers);
  const minSize = minSizeOf(req.headers.get(MIN_SIZE));
  const config = lifecycleConfigurationRequest(await readXmlBody(ctx, maxBodyBytes, true));
  if (minSize) config.transitionDefaultMinimumObjectSize = minSize;
  await store.putBucketLifecycle(target.bucket, config);
  return emptyResponse(200, { [MIN_SIZE]: minSize ?? minSizes[1] });
};

export const getBucketLifecycle: Handler = async ({ store, target }) => {
  const config = await store.getBucketLifecycle(target.bucket);
  if (!config || config.rules.length === 0) {
    throw new S3Error("NoSuchLifecycleConfiguration", undefined, { BucketName: target.bucket });
  }
  return xmlResponse(lifecycleXml(config), 200, {
    [MIN_SIZE]: config.transitionDefaultMinimumObjectSize ?? minSizes[1],
  });
};

export const deleteBucketLifecycle: Handler = async ({ store, target }) => {
  await store.deleteBucketLifecycle(target.bucket);
  return emptyResponse(204);
};

function minSizeOf(value: string | null): MinSize | undefined {
  if (value === null || value === "") return undefined;
  if ((minSizes as readonly string[]).includes(value)) return value as MinSize;
  throw new S3Error("InvalidArgument", `Invalid value for header ${MIN_SIZE}`, {
    ArgumentName: MIN_SIZE,
    ArgumentValue: value,
  });
}

/** The GetBucketLifecycleConfiguration document. */
export function lifecycleXml(config: LifecycleConfiguration): string {
  return `<LifecycleConfiguration xmlns="${s3Namespace}">${config.rules.map(ruleXml).join("")}</LifecycleConfiguration>`;
}

const el = (name: string, value: string | number | boolean) =>
  `<${name}>${xmlEscape(String(value))}</${name}>`;

function ruleXml(rule: LifecycleRule): string {
  let xml = `<Rule>${el("ID", rule.id)}`;
  xml += rule.topLevelPrefix ? el("Prefix", rule.filter.prefix ?? "") : filterXml(rule.filter);
  xml += el("Status", rule.enabled ? "Enabled" : "Disabled");
  const e = rule.expiration;
  if (e) {
    let inner = "";
    if (e.date !== undefined) inner = el("Date", e.date.toISOString());
    else if (e.days !== undefined) inner = el("Days", e.days);
    else if (e.expiredObjectDeleteMarker !== undefined)
      inner = el("ExpiredObjectDeleteMarker", e.expiredObjectDeleteMarker);
    xml += `<Expiration>${inner}</Expiration>`;
  }
  const n = rule.noncurrentVersionExpiration;
  if (n) {
    const newer =
      n.newerNoncurrentVersions === undefined ? "" : el("NewerNoncurrentVersions", n.newerNoncurrentVersions);
    xml += `<NoncurrentVersionExpiration>${el("NoncurrentDays", n.noncurrentDays)}${newer}</NoncurrentVersionExpiration>`;
  }
  const a = rule.abortIncompleteMultipartUpload;
  if (a) {
    xml += `<AbortIncompleteMultipartUpload>${el("DaysAfterInitiation", a.daysAfterInitiation)}</AbortIncompleteMultipartUpload>`;
  }
  return `${xml}</Rule>`;
}

function filterXml(f: LifecycleFilter): string {
  const parts: string[] = [];
  if (f.prefix !== undefined) parts.push(el("Prefix", f.prefix));
  for (const t of f.tags ?? []) parts.push(`<Tag>${el("Key", t.key)}${el("Value", t.value)}</Tag>`);
  if (f.sizeGreaterThan !== undefined) parts.push(el("ObjectSizeGreaterThan", f.sizeGreaterThan));
  if (f.sizeLessThan !== undefined) parts.push(el("ObjectSizeLessThan", f.sizeLessThan));
  const inner = parts.length > 1 ? `<And>${parts.join("")}</And>` : (parts[0] ?? "");
  return `<Filter>${inner}</Filter>`;
}
