/** What the expiry worker decides for one key from its versions (src/storage/lifecycle/key-actions.ts). */
import { describe, expect, test } from "bun:test";
import { type KeyVersion, keyActions } from "../../src/storage/lifecycle/key-actions.ts";
import type { LifecycleClock, LifecycleRule } from "../../src/storage/lifecycle/types.ts";

const day = 1000;
const clock = (now: number): LifecycleClock => ({ dayMs: day, now: () => now });

function v(id: string, at: number, extra: Partial<KeyVersion> = {}): KeyVersion {
  return {
    versionId: id,
    isLatest: false,
    deleteMarker: false,
    lastModified: at,
    size: 10,
    etag: "e",
    ...extra,
  };
}

const rule = (r: Partial<LifecycleRule>): LifecycleRule => ({ id: "r", enabled: true, filter: {}, ...r });

describe("keyActions", () => {
  test("a current version expires Days after its time, not before", () => {
    const versions = [v("a", 0, { isLatest: true })];
    const rules = [rule({ expiration: { days: 2 } })];
    expect(keyActions("k", versions, rules, clock(1999))).toEqual([]);
    expect(keyActions("k", versions, rules, clock(2000))).toMatchObject([{ kind: "expire-current" }]);
  });

  test("disabled rules and non-matching filters do nothing", () => {
    const versions = [v("a", 0, { isLatest: true, size: 5 })];
    const now = clock(10 * day);
    expect(keyActions("k", versions, [rule({ enabled: false, expiration: { days: 1 } })], now)).toEqual([]);
    expect(
      keyActions("k", versions, [rule({ filter: { prefix: "x/" }, expiration: { days: 1 } })], now),
    ).toEqual([]);
    expect(
      keyActions("k", versions, [rule({ filter: { sizeGreaterThan: 5 }, expiration: { days: 1 } })], now),
    ).toEqual([]);
    const tagged = rule({ filter: { tags: [{ key: "t", value: "1" }] }, expiration: { days: 1 } });
    expect(keyActions("k", versions, [tagged], now)).toEqual([]);
    const withTag = [v("a", 0, { isLatest: true, tags: [{ key: "t", value: "1" }] })];
    expect(keyActions("k", withTag, [tagged], now)).toHaveLength(1);
  });

  test("noncurrent versions count from when the next newer version came, the newest N kept", () => {
    // Newest first: current at 9, then noncurrent versions made at 6, 3, 0.
    const versions = [v("d", 9 * day, { isLatest: true }), v("c", 6 * day), v("b", 3 * day), v("a", 0)];
    const rules = [rule({ noncurrentVersionExpiration: { noncurrentDays: 4 } })];
    // c noncurrent since 9 (due 13), b since 6 (due 10), a since 3 (due 7).
    const at = (now: number, r = rules) =>
      keyActions("k", versions, r, clock(now)).map((x) => x.version.versionId);
    expect(at(7 * day)).toEqual(["a"]);
    expect(at(10 * day)).toEqual(["b", "a"]);
    expect(at(13 * day)).toEqual(["c", "b", "a"]);
    const keepOne = [
      rule({ noncurrentVersionExpiration: { noncurrentDays: 4, newerNoncurrentVersions: 1 } }),
    ];
    expect(at(13 * day, keepOne)).toEqual(["b", "a"]);
  });

  test("a delete marker that is the only version goes; one with versions behind it stays", () => {
    const lone = [v("m", 0, { isLatest: true, deleteMarker: true, size: 0 })];
    const eodm = [rule({ expiration: { expiredObjectDeleteMarker: true } })];
    expect(keyActions("k", lone, eodm, clock(0))).toMatchObject([{ kind: "remove-marker" }]);
    expect(keyActions("k", lone, [rule({ expiration: { days: 1 } })], clock(day))).toHaveLength(1);
    const behind = [...lone, v("a", 0)];
    expect(keyActions("k", behind, eodm, clock(day))).toEqual([]);
  });
});
