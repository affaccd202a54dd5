import { describe, expect, test } from "bun:test";
import { BlockingWriteGuard } from "../../src/storage/objects/blocking-write-guard.ts";

describe("BlockingWriteGuard", () => {
  test("fast blocking writes keep the event loop writing", () => {
    const guard = new BlockingWriteGuard(2, 1000);
    for (let t = 0; t < 100; t += 1) {
      expect(guard.allowed(t)).toBe(true);
      guard.wrote(t, t + 0.5);
    }
  });

  test("one stalled write sends chunk writes to the pool for the cooldown, then blocking is tried again", () => {
    const guard = new BlockingWriteGuard(2, 1000);
    guard.wrote(10, 15);
    expect(guard.allowed(15)).toBe(false);
    expect(guard.allowed(1014)).toBe(false);
    expect(guard.allowed(1015)).toBe(true);
  });

  test("a write of exactly the stall limit is not a stall", () => {
    const guard = new BlockingWriteGuard(2, 1000);
    guard.wrote(10, 12);
    expect(guard.allowed(12)).toBe(true);
  });
});
