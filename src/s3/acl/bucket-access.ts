/**
 * The bucket settings that decide what ACLs and public policies may do: object ownership
 * (`ownership`), the public access block (`public-access-block`) and the bucket's ACL (`acl`).
 * A bucket without a stored ownership setting behaves as ObjectWriter (ACLs on) and without a
 * stored block blocks nothing: that is how buckets made before these settings existed keep
 * working (docs/security.md).
 */
import type { ObjectStore } from "../../storage/index.ts";
import { type Acl, parseStoredAclText } from "./acl.ts";

export const ownershipValues = ["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"] as const;
export type Ownership = (typeof ownershipValues)[number];

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export const publicAccessBlockSwitches: readonly (keyof PublicAccessBlock)[] = [
  "BlockPublicAcls",
  "IgnorePublicAcls",
  "BlockPublicPolicy",
  "RestrictPublicBuckets",
];

export const blockAll: PublicAccessBlock = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

export interface BucketAccess {
  /** Undefined: none stored (behaves as ObjectWriter). */
  ownership?: Ownership;
  /** Undefined: none stored (blocks nothing). */
  block?: PublicAccessBlock;
  /** Undefined: none stored (the owner alone has full control). */
  acl?: Acl;
}

/** ACLs grant access (and may be set) unless the bucket owner enforces ownership. */
export function aclsEnabled(access: BucketAccess): boolean {
  return access.ownership !== "BucketOwnerEnforced";
}

export function parseOwnership(text: string | undefined): Ownership | undefined {
  const value = text?.trim();
  return (ownershipValues as readonly string[]).includes(value ?? "") ? (value as Ownership) : undefined;
}

export function parsePublicAccessBlock(text: string | undefined): PublicAccessBlock | undefined {
  if (text === undefined) return undefined;
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const block = { ...blockAll };
    for (const name of publicAccessBlockSwitches) block[name] = json[name] === true;
    return block;
  } catch {
    // An unreadable stored block blocks everything rather than nothing.
    return { ...blockAll };
  }
}

export async function readBucketAccess(store: ObjectStore, bucket: string): Promise<BucketAccess> {
  const [ownership, block, acl] = await Promise.all([
    store.getBucketSetting(bucket, "ownership"),
    store.getBucketSetting(bucket, "public-access-block"),
    store.getBucketSetting(bucket, "acl"),
  ]);
  return {
    ownership: parseOwnership(ownership),
    block: parsePublicAccessBlock(block),
    acl: parseStoredAclText(acl),
  };
}

const revalidateMs = 1000;

export interface BucketAccessCache {
  of(bucket: string): Promise<BucketAccess>;
  /** Drops the cached copy: this host changed one of the settings (or removed the bucket). */
  forget(bucket: string): void;
}

/**
 * The settings as authorization reads them, re-read at most once a second per bucket like bucket
 * policies (../bucket-policies.ts). A bucket that cannot be read grants nothing through ACLs.
 */
export function createBucketAccessCache(store: ObjectStore, now: () => number = Date.now): BucketAccessCache {
  const cache = new Map<string, { access: BucketAccess; checkedAt: number }>();
  return {
    async of(bucket) {
      if (!bucket) return {};
      const cached = cache.get(bucket);
      if (cached && now() - cached.checkedAt < revalidateMs) return cached.access;
      let access: BucketAccess;
      try {
        access = await readBucketAccess(store, bucket);
      } catch {
        access = { ownership: "BucketOwnerEnforced" };
      }
      if (cache.size > 10_000) cache.clear();
      cache.set(bucket, { access, checkedAt: now() });
      return access;
    },
    forget: (bucket) => void cache.delete(bucket),
  };
}
