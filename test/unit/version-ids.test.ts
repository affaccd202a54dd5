import { describe, expect, test } from "bun:test";
import {
  derivedVersionId,
  isVersionId,
  newVersionId,
  versionIdAt,
  versionTime,
} from "../../src/storage/versions/ids.ts";

describe("version ids", () => {
  test("are URL-safe, fixed-width, unique and increase in the order they are made", () => {
    const ids = Array.from({ length: 5000 }, () => newVersionId());
    for (const id of ids) {
      expect(isVersionId(id)).toBe(true);
      expect(encodeURIComponent(id)).toBe(id);
      expect(id.length).toBe(29);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const t = versionTime(ids[0]!);
    expect(Math.abs(t - Date.now())).toBeLessThan(60_000);
  });

  test("an id made after another host's id sorts above it even when that clock is ahead", () => {
    const ahead = versionIdAt(Date.now() + 3_600_000);
    const next = newVersionId(ahead);
    expect(next > ahead).toBe(true);
    expect(newVersionId() > next).toBe(true); // this process never goes back below it
  });

  test("an id at a given time sorts by that time, above a given floor", () => {
    const old = versionIdAt(1_000_000);
    expect(versionTime(old)).toBe(1_000_000);
    const floor = versionIdAt(2_000_000);
    expect(versionIdAt(1_000_000, floor) > floor).toBe(true);
    expect(isVersionId("null")).toBe(false);
    expect(isVersionId("../../etc/passwd0000000000000")).toBe(false);
  });

  test("a derived id depends only on the file's identity", () => {
    const st = { ino: 42n, mtimeNs: 1_700_000_000_123_456_789n, size: 5n } as never;
    const id = derivedVersionId(st);
    expect(isVersionId(id)).toBe(true);
    expect(derivedVersionId(st)).toBe(id);
    expect(versionTime(id)).toBe(1_700_000_000_123);
    expect(derivedVersionId({ ino: 43n, mtimeNs: 1_700_000_000_123_456_789n, size: 5n } as never)).not.toBe(
      id,
    );
  });
});
