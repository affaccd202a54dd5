/** Bucket owners: accounts by canonical id, and the mark of buckets holding other accounts' objects. */
import { describe, expect, test } from "bun:test";
import { type BucketOwner, createBucketOwners } from "../../src/s3/bucket-owners.ts";
import type { ObjectStore } from "../../src/storage/index.ts";

const alpha: BucketOwner = { accountId: "111111111111", canonicalId: "a".repeat(64), displayName: "alpha" };
const beta: BucketOwner = { accountId: "222222222222", canonicalId: "b".repeat(64), displayName: "beta" };

/** Bucket settings in a map, counting reads and writes. */
function fakeStore() {
  const settings = new Map<string, string>();
  const calls = { reads: 0, writes: 0 };
  const store = {
    getBucketSetting: async (bucket: string, name: string) => {
      calls.reads++;
      return settings.get(`${bucket}/${name}`);
    },
    putBucketSetting: async (bucket: string, name: string, text: string) => {
      calls.writes++;
      settings.set(`${bucket}/${name}`, text);
    },
  } as unknown as ObjectStore;
  return { store, settings, calls };
}

describe("createBucketOwners", () => {
  test("byCanonicalId finds every listed account, re-listing at most once a second", async () => {
    let clock = 0;
    let listings = 0;
    let accounts = [alpha];
    const { store } = fakeStore();
    const owners = createBucketOwners(
      store,
      async (id) => accounts.find((a) => a.accountId === id),
      async () => {
        listings++;
        return accounts;
      },
      () => clock,
    );
    expect(await owners.byCanonicalId(alpha.canonicalId)).toEqual(alpha);
    accounts = [alpha, beta];
    expect(await owners.byCanonicalId(beta.canonicalId)).toBeUndefined();
    expect(listings).toBe(1);
    clock = 1000;
    expect(await owners.byCanonicalId(beta.canonicalId)).toEqual(beta);
    expect(await owners.byCanonicalId("c".repeat(64))).toBeUndefined();
    expect(listings).toBe(2);
  });

  test("markForeignObjects writes the setting once; hasForeignObjects sees it, cached per second", async () => {
    let clock = 0;
    const { store, settings, calls } = fakeStore();
    const owners = createBucketOwners(
      store,
      async () => undefined,
      undefined,
      () => clock,
    );
    expect(await owners.hasForeignObjects("b1")).toBe(false);
    expect(await owners.hasForeignObjects("b1")).toBe(false);
    expect(calls.reads).toBe(1);
    await owners.markForeignObjects("b1");
    await owners.markForeignObjects("b1");
    expect(calls.writes).toBe(1);
    expect(settings.get("b1/object-owners")).toBe("mixed\n");
    expect(await owners.hasForeignObjects("b1")).toBe(true);
    // Another host marked b2: seen once the cached answer is a second old.
    expect(await owners.hasForeignObjects("b2")).toBe(false);
    settings.set("b2/object-owners", "mixed\n");
    expect(await owners.hasForeignObjects("b2")).toBe(false);
    clock = 1000;
    expect(await owners.hasForeignObjects("b2")).toBe(true);
  });
});
