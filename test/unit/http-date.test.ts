import { describe, expect, test } from "bun:test";
import { toHttpDate, toIsoTime } from "../../src/lib/http-date.ts";

// Times across the range a server meets (and a few outside it), at every millisecond step that
// changes a digit of the fraction, a second's boundaries, a leap day and a year's turn.
const times = [
  Date.UTC(2026, 11, 6, 3, 49, 7, 0),
  Date.UTC(2026, 11, 6, 3, 49, 7, 5),
  Date.UTC(2026, 11, 6, 3, 49, 7, 50),
  Date.UTC(2026, 11, 6, 3, 49, 7, 999),
  Date.UTC(2026, 11, 6, 3, 49, 8, 0),
  Date.UTC(2028, 1, 29, 23, 59, 59, 999),
  Date.UTC(2026, 11, 31, 23, 59, 59, 998),
  Date.UTC(2027, 0, 1, 0, 0, 0, 1),
  Date.UTC(1999, 0, 1, 9, 9, 9, 9),
  0,
  -1,
  Date.UTC(9999, 11, 31, 23, 59, 59, 999),
  Date.UTC(10000, 0, 1),
  Date.UTC(999, 0, 1),
];

describe("dates as text", () => {
  test("toHttpDate writes what toUTCString writes", () => {
    for (const ms of times) expect(toHttpDate(new Date(ms))).toBe(new Date(ms).toUTCString());
    for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 86_400_000 + 3_601_001) {
      expect(toHttpDate(new Date(ms))).toBe(new Date(ms).toUTCString());
    }
  });

  test("toIsoTime writes what toISOString writes, in any order of calls", () => {
    for (const ms of [...times, ...times.toReversed(), ...times]) {
      expect(toIsoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
