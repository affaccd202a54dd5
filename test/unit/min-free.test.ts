import { describe, expect, test } from "bun:test";
import { parseMinFree } from "../../src/cli/min-free.ts";
import { parseServeOptions } from "../../src/cli/serve-options.ts";

describe("--min-free", () => {
  test("sizes in powers of 1024, or a percentage", () => {
    expect(parseMinFree("1GiB")).toEqual({ bytes: 1024 ** 3 });
    expect(parseMinFree("512m")).toEqual({ bytes: 512 * 1024 ** 2 });
    expect(parseMinFree("2G")).toEqual({ bytes: 2 * 1024 ** 3 });
    expect(parseMinFree("1.5TiB")).toEqual({ bytes: 1.5 * 1024 ** 4 });
    expect(parseMinFree("4096")).toEqual({ bytes: 4096 });
    expect(parseMinFree("5%")).toEqual({ percent: 5 });
    expect(parseMinFree("0.5%")).toEqual({ percent: 0.5 });
  });

  test("nonsense is refused", () => {
    for (const text of ["", "0", "0%", "100%", "-1G", "5 %", "1XB", "lots"]) {
      expect(parseMinFree(text)).toBeUndefined();
    }
    expect(() => parseServeOptions({ "min-free": "lots" }, {})).toThrow(/--min-free: a size such as 1GiB/);
  });

  test("off unless given", () => {
    expect(parseServeOptions({}, {})["min-free"]).toBeUndefined();
    expect(parseServeOptions({ "min-free": "5%" }, {})["min-free"]).toEqual({ percent: 5 });
  });
});
