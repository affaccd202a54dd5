import { readFile } from "node:fs/promises";
import {
  type BucketPolicyPreset,
  bucketPolicyPreset,
  type Policy,
  parseBucketPolicy,
} from "../auth/policy/index.ts";
import { type PublicAccessBlock, parsePublicAccessBlock } from "../s3/acl/bucket-access.ts";
import { isPublicPolicy } from "../s3/acl/public-policy.ts";
import { createPosixStore, isStorageError, type ObjectLockConfiguration } from "../storage/index.ts";
import { adminContext, adminOptions, subcommand } from "./admin-options.ts";
import {
  bucketLifecycleRule,
  lifecycleRuleNotes,
  lifecycleRuleOptions,
  lifecycleRuleUsage,
} from "./bucket-lifecycle.ts";
import { bucketQuota, parseQuotaSize, quotaColumn, quotaUsage, setHardQuota } from "./bucket-quota.ts";
import type { CommandLine } from "./command-line.ts";
import type { CommandSpec } from "./command-spec.ts";
import { UsageError } from "./usage-error.ts";

const usage = {
  create: "s3dir bucket create NAME [--object-lock] [--hard-quota SIZE] [--existing-path DIR]",
  list: "s3dir bucket list",
  remove: "s3dir bucket remove NAME [--unlink]",
  policy: "s3dir bucket policy ACTION BUCKET [PRESET_OR_FILE]",
  versioning: "s3dir bucket versioning ACTION BUCKET",
  "lifecycle-rule": lifecycleRuleUsage,
  quota: quotaUsage,
};

const presets: readonly string[] = ["none", "download", "upload", "public"];

/**
 * `s3dir bucket create|list|remove|policy|versioning`: works on the shared root directly, like
 * the S3 API would. Policy ACTION is set, get or unset; `policy set BUCKET
 * none|download|upload|public|FILE|-` sets a preset or a policy document. Versioning ACTION is
 * enable, suspend or get.
 */
async function runBucket(line: CommandLine): Promise<void> {
  const [sub, args] = subcommand(line.positionals, usage);
  const ctx = await adminContext(line);
  const store = await createPosixStore({ root: ctx.root, fsync: true, cleanStaleTemps: false });
  switch (sub) {
    case "create": {
      const objectLock = ctx.options["object-lock"] === "true";
      const quota = ctx.options["hard-quota"];
      const hard = quota === undefined ? undefined : parseQuotaSize(quota);
      const existing = ctx.options["existing-path"];
      if (existing !== undefined && objectLock)
        throw new UsageError("--object-lock is for new buckets: files already there could not be locked");
      if (existing !== undefined) await store.bindBucket(args[0]!, existing);
      else await store.createBucket(args[0]!, objectLock ? { objectLock } : undefined);
      if (hard !== undefined) await setHardQuota(store, args[0]!, hard);
      // Owned by the --account given, else by the first account (as a bucket with no owner is).
      if (ctx.options.account) await store.putBucketSetting(args[0]!, "owner", ctx.account);
      return ctx.print(
        { created: args[0], objectLock },
        `created bucket ${args[0]}${objectLock ? " with object lock (versioning Enabled)" : ""}`,
      );
    }
    case "list": {
      const buckets = await Promise.all(
        (await store.listBuckets()).map(async (b) => ({
          name: b.name,
          created: b.created.toISOString(),
          versioning: await store.getBucketVersioning(b.name),
          objectLock: await objectLockOf(store, b.name),
          quota: await quotaColumn(store, b.name),
        })),
      );
      const json = buckets.map(({ objectLock, quota, ...b }) => ({
        ...b,
        objectLock: objectLock ? { enabled: true, ...objectLock } : { enabled: false },
        quota: quota.json,
      }));
      return ctx.print(
        json,
        buckets
          .map(
            (b) => `${b.created}\t${b.name}\t${b.versioning}\t${describeLock(b.objectLock)}\t${b.quota.text}`,
          )
          .join("\n"),
      );
    }
    case "remove":
      if (ctx.options.unlink === "true") {
        await store.unlinkBucket(args[0]!);
        return ctx.print(
          { unlinked: args[0] },
          `unlinked bucket ${args[0]} (its files stay; its settings, policy and uploads are gone)`,
        );
      }
      await store.deleteBucket(args[0]!);
      return ctx.print({ removed: args[0] }, `removed bucket ${args[0]}`);
    case "versioning":
      return bucketVersioning(ctx, store, args);
    case "lifecycle-rule":
      return bucketLifecycleRule(ctx, store, args);
    case "quota":
      return bucketQuota(ctx, store, args);
    default:
      return bucketPolicy(ctx, store, args);
  }
}

export const bucketCommand: CommandSpec = {
  name: "bucket",
  summary:
    "buckets: create, list, remove; bucket policy set|get|unset; versioning enable|suspend|get; lifecycle-rule add|list|remove|reset; quota set|unset",
  usage,
  options: adminOptions(
    {
      name: "object-lock",
      kind: "flag",
      description: "bucket create: with object lock (versioning is Enabled for good)",
    },
    ...lifecycleRuleOptions,
    {
      name: "hard-quota",
      kind: "value",
      value: "SIZE",
      description:
        "bucket create: a hard quota such as 10GiB (KiB/MiB/GiB/TiB or KB/MB/GB/TB, powers of 1024)",
    },
    {
      name: "existing-path",
      kind: "value",
      value: "DIR",
      description:
        "bucket create: serve this directory, which already exists beneath the root (relative to it), as the bucket; nothing is copied",
    },
    {
      name: "unlink",
      kind: "flag",
      description:
        "bucket remove: detach the bucket and keep its files (its settings, policy and uploads are removed; the directory stays)",
    },
    {
      name: "fs-quota",
      kind: "flag",
      description:
        "bucket quota set: also set the filesystem's own directory quota (XFS project quota, CephFS ceph.quota.max_bytes; see s3dir doctor)",
    },
  ),
  notes:
    "bucket policy: ACTION is set, get or unset; `set BUCKET none|download|upload|public|FILE|-` sets a\n" +
    "preset or a policy document (- reads it from stdin).\n" +
    "bucket versioning: ACTION is enable, suspend or get; enable keeps every version of each object\n" +
    "from now on, suspend stops keeping new ones (kept versions stay); get prints Unversioned,\n" +
    "Enabled or Suspended.\n" +
    "bucket list: name, creation, versioning state, object lock (with its default retention), and\n" +
    "used/hard quota (-/- without a quota).\n" +
    "bucket quota: ACTION is set (SIZE such as 10GiB) or unset; writes that would take the bucket\n" +
    "over its hard quota are refused with 403 QuotaExceeded. `set --fs-quota` also sets the filesystem's\n" +
    "own quota (XFS project, CephFS), which unset removes.\n" +
    lifecycleRuleNotes,
  run: runBucket,
};

/**
 * As S3 refuses PutBucketPolicy: a public policy where the bucket's public access block has
 * BlockPublicPolicy on. A preset, whose only point is public access, is also refused where
 * RestrictPublicBuckets would leave it granting nothing.
 */
async function refusePublicPolicy(
  store: Awaited<ReturnType<typeof createPosixStore>>,
  bucket: string,
  policy: Policy,
  asked: string,
): Promise<void> {
  if (!isPublicPolicy(policy)) return;
  const block = parsePublicAccessBlock(await store.getBucketSetting(bucket, "public-access-block"));
  const preset = presets.includes(asked);
  const checked: (keyof PublicAccessBlock)[] = preset
    ? ["BlockPublicPolicy", "RestrictPublicBuckets"]
    : ["BlockPublicPolicy"];
  const switches = checked.filter((name) => block?.[name]);
  if (switches.length === 0) return;
  const what = preset ? `the preset ${asked}` : "this policy";
  const on = switches.join(" and ");
  throw new Error(
    `bucket ${bucket}: ${what} grants to everyone, and the bucket's public access block has ${on} on; ` +
      `turn ${switches.length > 1 ? "them" : "it"} off first, e.g. \`aws s3api delete-public-access-block --bucket ${bucket}\` ` +
      `or put-public-access-block with ${switches.map((name) => `${name}=false`).join(",")}`,
  );
}

async function bucketPolicy(
  ctx: Awaited<ReturnType<typeof adminContext>>,
  store: Awaited<ReturnType<typeof createPosixStore>>,
  [action, bucket, value]: string[],
): Promise<void> {
  if (!bucket) throw new UsageError(`usage: ${usage.policy}`);
  switch (action) {
    case "get": {
      const text = await store.getBucketSetting(bucket, "policy");
      if (text === undefined) throw new Error(`bucket ${bucket} has no policy`);
      return ctx.print(JSON.parse(text), JSON.stringify(JSON.parse(text), null, 2));
    }
    case "unset":
      await store.deleteBucketSetting(bucket, "policy");
      return ctx.print({ bucket, policy: null }, `removed the policy of ${bucket}`);
    case "set": {
      if (!value) throw new UsageError(`usage: ${usage.policy}`);
      const text = presets.includes(value)
        ? bucketPolicyPreset(value as BucketPolicyPreset, bucket)
        : value === "-"
          ? await Bun.stdin.text()
          : await readFile(value, "utf8");
      if (text === undefined) {
        await store.deleteBucketSetting(bucket, "policy");
        return ctx.print({ bucket, policy: null }, `removed the policy of ${bucket}`);
      }
      let policy: Policy;
      try {
        policy = parseBucketPolicy(text, bucket);
      } catch (e) {
        throw new Error(`MalformedPolicy: ${e instanceof Error ? e.message : String(e)}`);
      }
      await refusePublicPolicy(store, bucket, policy, value);
      await store.putBucketSetting(bucket, "policy", text);
      return ctx.print({ bucket, policy: JSON.parse(text) }, `set the policy of ${bucket}`);
    }
    default:
      throw new UsageError(`usage: ${usage.policy}`);
  }
}

const versioningStates = { enable: "Enabled", suspend: "Suspended" } as const;

async function bucketVersioning(
  ctx: Awaited<ReturnType<typeof adminContext>>,
  store: Awaited<ReturnType<typeof createPosixStore>>,
  [action, bucket]: string[],
): Promise<void> {
  if (!bucket) throw new UsageError(`usage: ${usage.versioning}`);
  if (action === "get") {
    const state = await store.getBucketVersioning(bucket);
    return ctx.print({ bucket, versioning: state }, state);
  }
  if (action !== "enable" && action !== "suspend") throw new UsageError(`usage: ${usage.versioning}`);
  const state = versioningStates[action];
  await store.putBucketVersioning(bucket, state);
  return ctx.print({ bucket, versioning: state }, `versioning of ${bucket}: ${state}`);
}

/** The bucket's object lock configuration, or false when it has none. */
async function objectLockOf(
  store: Awaited<ReturnType<typeof createPosixStore>>,
  bucket: string,
): Promise<ObjectLockConfiguration | false> {
  try {
    return await store.getObjectLockConfiguration(bucket);
  } catch (e) {
    if (isStorageError(e) && e.lock?.reason === "ObjectLockConfigurationNotFoundError") return false;
    throw e;
  }
}

function describeLock(lock: ObjectLockConfiguration | false): string {
  if (!lock) return "no-object-lock";
  const d = lock.defaultRetention;
  if (!d) return "object-lock";
  return `object-lock ${d.mode} ${d.days !== undefined ? `${d.days}d` : `${d.years}y`}`;
}
