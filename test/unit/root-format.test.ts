import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readRootFormat, watchRootFormat, writeRootFormat } from "../../src/runtime/root-format.ts";
import { formatText, parseRootFormat } from "../../src/runtime/root-format-file.ts";
import { ensureSystemDirSync } from "../../src/runtime/system-dir.ts";
import { waitFor } from "../helpers/index.ts";

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});
function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "s3dir-format-unit-"));
  roots.push(root);
  return root;
}

describe("parseRootFormat", () => {
  test("known features are followed, unknown ones listed, a bad file yields none and says why", () => {
    expect(parseRootFormat(formatText(["compactRecords"]))).toMatchObject({
      features: ["compactRecords"],
      unknown: [],
    });
    expect(parseRootFormat('{"v":1,"features":["later","compactRecords","later"]}')).toEqual({
      features: ["compactRecords"],
      unknown: ["later"],
    });
    for (const text of [
      "",
      "{",
      "[]",
      "null",
      '"x"',
      '{"features":["compactRecords"]}',
      '{"v":2,"features":[]}',
    ]) {
      const format = parseRootFormat(text);
      expect(format.features).toEqual([]);
      expect(format.problem).toBeString();
    }
    expect(parseRootFormat('{"v":1,"features":["compactRecords",1]}').problem).toBe(
      "features is not a list of names",
    );
  });

  test("the file keeps known features in their order and any others after them", () => {
    expect(JSON.parse(formatText(["later", "compactRecords"])).features).toEqual(["compactRecords", "later"]);
  });
});

describe("the system directory and the format file", () => {
  test("a system directory made now gets every feature; an existing one is left as it is", async () => {
    const fresh = tempRoot();
    ensureSystemDirSync(fresh);
    expect((await readRootFormat(fresh)).features).toEqual(["compactRecords"]);

    const earlier = tempRoot();
    mkdirSync(join(earlier, ".s3dir"), { mode: 0o700 });
    ensureSystemDirSync(earlier);
    expect(await readRootFormat(earlier)).toEqual({ features: [], unknown: [], missing: true });
  });

  test("an oversized file is no format", async () => {
    const root = tempRoot();
    ensureSystemDirSync(root);
    writeFileSync(
      join(root, ".s3dir", "format.json"),
      `${formatText(["compactRecords"])}${" ".repeat(70_000)}`,
    );
    expect((await readRootFormat(root)).problem).toContain("larger than");
  });

  test("the watch follows changes and reports an unusable file once per version of it", async () => {
    const root = tempRoot();
    mkdirSync(join(root, ".s3dir"), { mode: 0o700 });
    const reports: string[] = [];
    const watch = await watchRootFormat(root, { intervalMs: 10, report: (r) => reports.push(r.msg) });
    try {
      expect(watch.has("compactRecords")).toBe(false);
      await writeRootFormat(root, ["compactRecords"]);
      expect(await waitFor(() => watch.has("compactRecords"))).toBe(true);
      writeFileSync(join(root, ".s3dir", "format.json"), "{garbage");
      expect(await waitFor(() => !watch.has("compactRecords"))).toBe(true);
      // Many checks later the same file has still been reported once.
      await Bun.sleep(200);
      expect(reports).toHaveLength(1);
      writeFileSync(join(root, ".s3dir", "format.json"), "{other garbage");
      expect(await waitFor(() => reports.length === 2)).toBe(true);
      rmSync(join(root, ".s3dir", "format.json"));
      await writeRootFormat(root, ["compactRecords"]);
      expect(await waitFor(() => watch.has("compactRecords"))).toBe(true);
    } finally {
      watch.stop();
    }
  });
});
