/**
 * `s3dir bucket lifecycle-rule add|list|remove|reset`, Weka's commands for a bucket's expiration
 * rules. They edit the lifecycle configuration the S3 API edits (PutBucketLifecycleConfiguration
 * sees their rules and they see its rules):
 *
 *   add BUCKET DAYS [--prefix P] [--tags 'k1=v1&k2=v2'] [--noncurrent] [--id ID]
 *       a rule expiring current versions DAYS days after they were written, or with
 *       --noncurrent, noncurrent versions DAYS days after they stopped being current
 *   list BUCKET [--json]     every rule (also those put through S3)
 *   remove BUCKET ID         one rule
 *   reset BUCKET             all rules (the configuration is removed)
 */
import { maxLifecycleRules, randomRuleId } from "../s3/bodies/lifecycle.ts";
import { checkTags, parseTaggingHeader } from "../s3/tags.ts";
import type { createPosixStore, LifecycleFilter, LifecycleRule } from "../storage/index.ts";
import type { AdminContext } from "./admin-options.ts";
import type { OptionSpec } from "./option-spec.ts";
import { UsageError } from "./usage-error.ts";

type Store = Awaited<ReturnType<typeof createPosixStore>>;

export const lifecycleRuleUsage = "s3dir bucket lifecycle-rule ACTION BUCKET [DAYS_OR_ID]";

export const lifecycleRuleOptions: OptionSpec[] = [
  {
    name: "prefix",
    kind: "value",
    value: "P",
    description: "bucket lifecycle-rule add: only keys starting with P",
  },
  {
    name: "tags",
    kind: "value",
    value: "k1=v1&k2=v2",
    description: "bucket lifecycle-rule add: only objects carrying all these tags",
  },
  {
    name: "noncurrent",
    kind: "flag",
    description:
      "bucket lifecycle-rule add: expire noncurrent versions DAYS days after they stopped being current",
  },
  {
    name: "id",
    kind: "value",
    value: "ID",
    description: "bucket lifecycle-rule add: the rule's ID (default: a new one)",
  },
];

export const lifecycleRuleNotes =
  "bucket lifecycle-rule: ACTION is add, list, remove or reset. `add BUCKET DAYS [--prefix P]\n" +
  "[--tags 'k1=v1&k2=v2'] [--noncurrent] [--id ID]` adds an expiration rule (current versions DAYS\n" +
  "days after they were written; with --noncurrent, noncurrent versions DAYS days after they were\n" +
  "replaced); `list BUCKET`, `remove BUCKET ID`, `reset BUCKET` (removes every rule). The same rules\n" +
  "as Put/GetBucketLifecycleConfiguration.";

export async function bucketLifecycleRule(
  ctx: AdminContext,
  store: Store,
  [action, bucket, arg]: string[],
): Promise<void> {
  if (!bucket) throw new UsageError(`usage: ${lifecycleRuleUsage}`);
  const rules = (await store.getBucketLifecycle(bucket))?.rules ?? [];
  switch (action) {
    case "list":
      if (arg !== undefined) throw new UsageError(`usage: ${lifecycleRuleUsage}`);
      return ctx.print(
        { bucket, rules: rules.map(ruleJson) },
        rules.length ? rules.map(ruleLine).join("\n") : `bucket ${bucket} has no lifecycle rules`,
      );
    case "reset":
      if (arg !== undefined) throw new UsageError(`usage: ${lifecycleRuleUsage}`);
      await store.deleteBucketLifecycle(bucket);
      return ctx.print({ bucket, rules: [] }, `removed every lifecycle rule of ${bucket}`);
    case "remove": {
      if (arg === undefined) throw new UsageError("usage: s3dir bucket lifecycle-rule remove BUCKET ID");
      const left = rules.filter((r) => r.id !== arg);
      if (left.length === rules.length) throw new Error(`bucket ${bucket} has no lifecycle rule ${arg}`);
      await saveRules(store, bucket, left);
      return ctx.print({ bucket, removed: arg }, `removed lifecycle rule ${arg} of ${bucket}`);
    }
    case "add": {
      if (arg === undefined) throw new UsageError("usage: s3dir bucket lifecycle-rule add BUCKET DAYS");
      const rule = ruleFrom(ctx.options, arg);
      if (rules.some((r) => r.id === rule.id))
        throw new Error(`bucket ${bucket} already has a lifecycle rule ${rule.id}`);
      if (rules.length >= maxLifecycleRules)
        throw new Error(`a bucket has at most ${maxLifecycleRules} lifecycle rules`);
      await saveRules(store, bucket, [...rules, rule]);
      return ctx.print({ bucket, added: ruleJson(rule) }, `added lifecycle rule ${ruleLine(rule)}`);
    }
    default:
      throw new UsageError(`usage: ${lifecycleRuleUsage}`);
  }
}

async function saveRules(store: Store, bucket: string, rules: LifecycleRule[]): Promise<void> {
  const config = await store.getBucketLifecycle(bucket);
  if (rules.length === 0) return store.deleteBucketLifecycle(bucket);
  await store.putBucketLifecycle(bucket, { ...config, rules });
}

function ruleFrom(options: Record<string, string | undefined>, daysText: string): LifecycleRule {
  const days = Number(daysText);
  if (!/^\d+$/.test(daysText) || !Number.isSafeInteger(days) || days <= 0) {
    throw new UsageError(`DAYS must be a positive whole number of days, not ${daysText}`);
  }
  const id = options.id ?? randomRuleId();
  if (id === "" || [...id].length > 255) throw new UsageError("--id must be 1 to 255 characters");
  const filter: LifecycleFilter = {};
  if (options.prefix !== undefined) filter.prefix = options.prefix;
  if (options.tags !== undefined) {
    const tags = checkTags(parseTaggingHeader(options.tags), "bucket");
    if (tags.length > 0) filter.tags = tags;
  }
  return options.noncurrent === "true"
    ? { id, enabled: true, filter, noncurrentVersionExpiration: { noncurrentDays: days } }
    : { id, enabled: true, filter, expiration: { days } };
}

/** A rule as `list --json` prints it. */
function ruleJson(r: LifecycleRule): Record<string, unknown> {
  const out: Record<string, unknown> = { id: r.id, enabled: r.enabled };
  if (r.filter.prefix !== undefined) out.prefix = r.filter.prefix;
  if (r.filter.tags?.length) out.tags = Object.fromEntries(r.filter.tags.map((t) => [t.key, t.value]));
  if (r.filter.sizeGreaterThan !== undefined) out.sizeGreaterThan = r.filter.sizeGreaterThan;
  if (r.filter.sizeLessThan !== undefined) out.sizeLessThan = r.filter.sizeLessThan;
  const e = r.expiration;
  if (e?.days !== undefined) out.expireDays = e.days;
  if (e?.date !== undefined) out.expireDate = e.date.toISOString();
  if (e?.expiredObjectDeleteMarker !== undefined) out.expiredObjectDeleteMarker = e.expiredObjectDeleteMarker;
  if (r.noncurrentVersionExpiration) {
    out.noncurrentDays = r.noncurrentVersionExpiration.noncurrentDays;
    if (r.noncurrentVersionExpiration.newerNoncurrentVersions !== undefined)
      out.newerNoncurrentVersions = r.noncurrentVersionExpiration.newerNoncurrentVersions;
  }
  if (r.abortIncompleteMultipartUpload)
    out.abortUploadDays = r.abortIncompleteMultipartUpload.daysAfterInitiation;
  return out;
}

/** A rule as one line of `list`: ID, state, then what it selects and does. */
function ruleLine(r: LifecycleRule): string {
  const { id, enabled, ...rest } = ruleJson(r);
  const parts = Object.entries(rest).map(
    ([k, v]) =>
      `${k}=${typeof v === "object" ? new URLSearchParams(v as Record<string, string>).toString() : String(v)}`,
  );
  return [id, enabled ? "Enabled" : "Disabled", ...parts].join("\t");
}
