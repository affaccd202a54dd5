import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { checkImports, layerOf } from "../../scripts/check-imports.ts";

let root: string | undefined;

afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** A fixture tree: path from the root → file text. */
function tree(files: Record<string, string>): string {
  root = mkdtempSync(join(tmpdir(), "s3dir-imports-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("import boundaries", () => {
  test("the repository keeps them", () => {
    expect(checkImports(join(import.meta.dir, "../.."))).toEqual([]);
  });

  test("a storage file in a subfolder importing the HTTP layer is reported with its line", () => {
    const dir = tree({
      "src/lib/hex.ts": "export const hex = 1;\n",
      "src/auth/sign.ts": 'import { hex } from "../lib/hex.ts";\nexport const sign = hex;\n',
      "src/s3/errors.ts": "export class S3Error extends Error {}\n",
      "src/s3/handler.ts": 'import { put } from "../storage/objects/put.ts";\nexport const h = put;\n',
      "src/storage/objects/put.ts":
        'import { readFile } from "node:fs/promises";\nimport type { S3Error } from "../../s3/errors.ts";\n' +
        "export const put = (e: S3Error) => [e, readFile];\n",
      "src/main.ts": 'import { serve } from "./cli/serve.ts";\nserve();\n',
      "src/cli/serve.ts": 'import { h } from "../s3/handler.ts";\nexport const serve = () => h;\n',
    });
    expect(checkImports(dir)).toEqual([
      {
        file: "src/storage/objects/put.ts",
        line: 2,
        message: "storage may not import src/s3/errors.ts (s3-shared)",
      },
    ]);
  });

  test("Web-standard layers: no runtime modules, no Bun/process/Buffer globals", () => {
    const dir = tree({
      "src/auth/a.ts":
        "// Bun.file is not used here; the word in a comment or a string is fine: 'Bun.file'\n" +
        'import { x } from "bun:ffi";\n' +
        "export const a = () => [x, Bun.file('f'), globalThis.process, { Bun: 1 }.Bun];\n",
      "src/edge/worker.ts": 'import { cpus } from "node:os";\nexport const w = cpus;\n',
    });
    expect(checkImports(dir).map((v) => `${v.file}:${v.line}: ${v.message}`)).toEqual([
      'src/auth/a.ts:2: auth is Web-standard: may not import "bun:ffi"',
      "src/auth/a.ts:3: auth is Web-standard: may not use the Bun global",
      "src/auth/a.ts:3: auth is Web-standard: may not use the process global",
      'src/edge/worker.ts:1: edge is Web-standard: may not import "node:os"',
    ]);
  });

  test("nothing but main.ts imports the CLI; a file outside every layer is named", () => {
    const dir = tree({
      "src/s3/app.ts": 'import { flags } from "../cli/flags.ts";\nexport const app = flags;\n',
      "src/cli/flags.ts": "export const flags = 1;\n",
      "src/stray/thing.ts": "export const thing = 1;\n",
    });
    expect(checkImports(dir).map((v) => `${v.file}:${v.line}: ${v.message}`)).toEqual([
      "src/s3/app.ts:1: s3 may not import src/cli/flags.ts (cli)",
      "src/stray/thing.ts:1: belongs to no layer of scripts/import-layers.ts",
    ]);
  });

  test("the longest prefix decides the layer", () => {
    expect(layerOf("src/s3/errors.ts")?.name).toBe("s3-shared");
    expect(layerOf("src/s3/xml/parse.ts")?.name).toBe("s3-shared");
    expect(layerOf("src/s3/pipeline.ts")?.name).toBe("s3");
    expect(layerOf("src/s3/handlers/put-object.ts")?.name).toBe("s3-handlers");
    expect(layerOf("src/s3/routes.ts")?.name).toBe("s3-routes");
    expect(layerOf("src/storage/multipart/complete.ts")?.name).toBe("storage");
    expect(layerOf("src/main.ts")?.name).toBe("main");
    expect(layerOf("src/mainly.ts")).toBeUndefined();
  });
});
