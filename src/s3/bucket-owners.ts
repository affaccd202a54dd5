import { firstAccountId } from "../auth/account.ts";
import type { ObjectStore } from "../storage/index.ts";

/** An account as S3 shows it as an owner (ListBuckets, ACLs, listings). */
export interface BucketOwner {
  /** 12 digits. */
  accountId: string;
  /** 64 hex digits: the Owner ID of S3 responses. */
  canonicalId: string;
  displayName: string;
}

export interface BucketOwners {
  /**
   * The account owning a bucket: the one recorded when it was created, else (a bucket made before
   * accounts, or by POSIX) the first account. Throws NoSuchBucket.
   */
  bucketOwner(bucket: string): Promise<BucketOwner>;
  /** The owning account's id; undefined when there is no such bucket. */
  accountOf(bucket: string): Promise<string | undefined>;
  /** An account as an owner. */
  account(accountId: string): Promise<BucketOwner>;
  /** The account whose canonical id this is (ACL grantees); undefined for one s3dir does not know. */
  byCanonicalId(canonicalId: string): Promise<BucketOwner | undefined>;
  /** Records the account that created a bucket. */
  record(bucket: string, accountId: string): Promise<void>;
  /** Drops the cached owner (the bucket was removed). */
  forget(bucket: string): void;
  /**
   * Whether some object of the bucket may be owned by another account than the bucket's (written
   * under ObjectWriter or BucketOwnerPreferred): only then does authorization read an object's
   * owner, so buckets whose objects are all their owner's pay nothing for it.
   */
  hasForeignObjects(bucket: string): Promise<boolean>;
  /** Records that the bucket now holds (or is about to hold) an object another account owns. */
  markForeignObjects(bucket: string): Promise<void>;
}

const revalidateMs = 1000;

/**
 * Bucket owners, kept as the bucket setting "owner" (`<root>/.s3dir/buckets/<bucket>/settings/owner`,
 * the account id) and cached for a second like bucket policies. An owner is written once, when
 * the bucket is made, so the cache only has to notice buckets removed and made again.
 */
export function createBucketOwners(
  store: ObjectStore,
  accountById: (accountId: string) => Promise<BucketOwner | undefined>,
  allAccounts: () => Promise<BucketOwner[]> = async () => [],
  now: () => number = Date.now,
): BucketOwners {
  const cache = new Map<string, { account: string | undefined; checkedAt: number }>();
  const foreign = new Map<string, { marked: boolean; checkedAt: number }>();
  let byCanonical: { map: Map<string, BucketOwner>; checkedAt: number } | undefined;

  /** Every account by canonical id, re-listed at most once a second (accounts come and go by CLI). */
  async function canonicalIndex(): Promise<Map<string, BucketOwner>> {
    if (byCanonical && now() - byCanonical.checkedAt < revalidateMs) return byCanonical.map;
    const map = new Map((await allAccounts()).map((a) => [a.canonicalId, a] as const));
    byCanonical = { map, checkedAt: now() };
    return map;
  }

  async function read(bucket: string): Promise<string | undefined> {
    try {
      const text = (await store.getBucketSetting(bucket, "owner"))?.trim();
      return text && /^\d{12}$/.test(text) ? text : firstAccountId;
    } catch (e) {
      if ((e as { code?: string }).code === "NoSuchBucket") return undefined;
      throw e;
    }
  }

  async function accountOf(bucket: string): Promise<string | undefined> {
    const cached = cache.get(bucket);
    if (cached && now() - cached.checkedAt < revalidateMs) return cached.account;
    const account = await read(bucket);
    if (cache.size > 10_000) cache.clear();
    cache.set(bucket, { account, checkedAt: now() });
    return account;
  }

  async function account(accountId: string): Promise<BucketOwner> {
    // An account removed while it still owned a bucket (by hand): its id, nothing more.
    return (
      (await accountById(accountId)) ?? { accountId, canonicalId: "0".repeat(64), displayName: accountId }
    );
  }

  return {
    accountOf,
    account,
    byCanonicalId: async (canonicalId) => (await canonicalIndex()).get(canonicalId),
    bucketOwner: async (bucket) => {
      const id = await accountOf(bucket);
      if (id === undefined) {
        await store.headBucket(bucket);
        return await account(firstAccountId);
      }
      return await account(id);
    },
    record: async (bucket, accountId) => {
      await store.putBucketSetting(bucket, "owner", accountId);
      cache.set(bucket, { account: accountId, checkedAt: now() });
    },
    forget: (bucket) => {
      cache.delete(bucket);
      foreign.delete(bucket);
    },
    hasForeignObjects: async (bucket) => {
      const cached = foreign.get(bucket);
      if (cached && now() - cached.checkedAt < revalidateMs) return cached.marked;
      let marked: boolean;
      try {
        marked = (await store.getBucketSetting(bucket, "object-owners")) !== undefined;
      } catch {
        marked = false;
      }
      if (foreign.size > 10_000) foreign.clear();
      foreign.set(bucket, { marked, checkedAt: now() });
      return marked;
    },
    markForeignObjects: async (bucket) => {
      const cached = foreign.get(bucket);
      if (cached?.marked) return;
      if ((await store.getBucketSetting(bucket, "object-owners")) === undefined)
        await store.putBucketSetting(bucket, "object-owners", "mixed\n");
      foreign.set(bucket, { marked: true, checkedAt: now() });
    },
  };
}
