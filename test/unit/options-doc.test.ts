import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { renderOptionsDoc } from "../../src/cli/options-doc.ts";
import { serveOptionSpecs } from "../../src/cli/serve-options.ts";

test("docs/options.md is what `bun scripts/gen-options-doc.ts` makes of the option definitions", () => {
  const onDisk = readFileSync(resolve(import.meta.dir, "../../docs/options.md"), "utf8");
  expect(onDisk).toBe(renderOptionsDoc());
});

test("every serve option has a row with its environment variable", () => {
  const doc = renderOptionsDoc();
  for (const spec of serveOptionSpecs) {
    expect(doc).toContain(`| \`--${spec.name}`);
    expect(doc).toContain(`\`S3DIR_${spec.name.toUpperCase().replaceAll("-", "_")}\``);
  }
  expect(doc).toContain("`--trusted-proxy CIDR,...`");
});
