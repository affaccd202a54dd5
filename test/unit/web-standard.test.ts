/**
 * src/auth, src/lib, src/s3/xml and the S3 files the edge shares (errors, request ids) must run
 * unchanged in the edge worker (workerd): Web-standard APIs only, no `node:*` or `bun:*` modules,
 * no `Bun` global (docs/architecture.md). Every .ts file of those places is bundled for the
 * browser; the test fails on any Node/Bun built-in import (from our code or from a package it
 * pulls in) and on Bun/Node globals in our code.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";

const repo = resolve(import.meta.dir, "../..");
const webDirs = ["src/auth", "src/lib", "src/s3/xml", "src/sse"];
const webFiles = [
  "src/s3/errors.ts",
  "src/s3/error-response.ts",
  "src/s3/auth-errors.ts",
  "src/s3/request-id.ts",
  "src/s3/request-target.ts",
];

function entryPoints(): string[] {
  const entries: string[] = [];
  for (const dir of webDirs) {
    const abs = resolve(repo, dir);
    if (!existsSync(abs)) continue;
    for (const file of new Bun.Glob("**/*.ts").scanSync({ cwd: abs })) {
      if (!file.endsWith(".d.ts")) entries.push(resolve(abs, file));
    }
  }
  for (const file of webFiles) entries.push(resolve(repo, file));
  return entries.sort();
}

const builtins = new Set([...builtinModules, "bun"]);
function isBuiltin(specifier: string): boolean {
  return (
    specifier.startsWith("node:") || specifier.startsWith("bun:") || builtins.has(specifier.split("/")[0]!)
  );
}

const forbiddenGlobals = ["Bun", "process", "Buffer", "require", "__dirname", "__filename", "setImmediate"];
const marker = (name: string) => `__S3DIR_FORBIDDEN_GLOBAL_${name}__`;
const forbiddenPatterns: [RegExp, string][] = [
  ...forbiddenGlobals.map((name): [RegExp, string] => [
    new RegExp(`\\b${marker(name)}\\b`),
    `global ${name}`,
  ]),
  [/\bglobalThis\s*(\.\s*|\[\s*["'])(Bun|process|Buffer)\b/, "globalThis.Bun/process/Buffer"],
  [
    /\bimport\.meta\.(dir|dirname|file|filename|path|main|require|resolveSync|env)\b/,
    "Bun's import.meta fields",
  ],
];

/** Bundles everything the entries pull in and lists each Node/Bun built-in module imported on the way. */
async function builtinImports(entries: string[]): Promise<{ errors: string[]; violations: string[] }> {
  const violations: string[] = [];
  const result = await Bun.build({
    entrypoints: entries,
    target: "browser",
    root: repo,
    throw: false,
    plugins: [
      {
        name: "refuse-runtime-builtins",
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) => {
            if (!isBuiltin(args.path)) return undefined;
            violations.push(`${relative(repo, args.importer) || "(entry)"} imports "${args.path}"`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  const errors = result.logs.filter((l) => l.level === "error").map((l) => String(l.message));
  if (!result.success && errors.length === 0) errors.push("build failed");
  return { errors, violations };
}

/** Bundles the entries' own code (packages left external) and lists uses of Bun/Node globals. */
async function globalUses(entries: string[]): Promise<{ errors: string[]; violations: string[] }> {
  const result = await Bun.build({
    entrypoints: entries,
    target: "browser",
    root: repo,
    throw: false,
    packages: "external",
    define: Object.fromEntries(forbiddenGlobals.map((name) => [name, marker(name)])),
  });
  const errors = result.logs.filter((l) => l.level === "error").map((l) => String(l.message));
  if (!result.success && errors.length === 0) errors.push("build failed");
  const violations: string[] = [];
  for (const output of result.outputs) {
    const code = await output.text();
    for (const [pattern, what] of forbiddenPatterns) {
      if (pattern.test(code)) violations.push(`${output.path}: uses ${what}`);
    }
  }
  return { errors, violations };
}

describe("Web-standard layers", () => {
  const entries = entryPoints();

  test("the entry list covers the Web-standard layers", () => {
    const names = entries.map((e) => relative(repo, e));
    expect(names).toContain("src/s3/errors.ts");
    expect(names).toContain("src/s3/xml/parse.ts");
    expect(names).toContain("src/s3/xml/escape.ts");
    expect(names.some((n) => n.startsWith("src/auth/"))).toBe(true);
    expect(names.some((n) => n.startsWith("src/lib/"))).toBe(true);
  });

  test("they bundle for the browser with no node:/bun: import, also through dependencies", async () => {
    expect(await builtinImports(entries)).toEqual({ errors: [], violations: [] });
  });

  test("their own code references no Bun or Node globals", async () => {
    expect(await globalUses(entries)).toEqual({ errors: [], violations: [] });
  });

  test("the checks catch a module that breaks the rule", async () => {
    const dir = mkdtempSync(join(tmpdir(), "s3dir-web-standard-"));
    try {
      const bad = join(dir, "bad.ts");
      writeFileSync(
        bad,
        'import { readFileSync } from "node:fs";\nimport path from "path";\n' +
          'export const f = () => [readFileSync, path.sep, Bun.file("x"), Buffer.from("a"), process.env.X];\n',
      );
      const imports = await builtinImports([bad]);
      expect(imports.violations.map((v) => v.replace(/^.*imports /, ""))).toEqual(['"node:fs"', '"path"']);
      const globals = await globalUses([bad]);
      expect(globals.violations.map((v) => v.replace(/^.*uses /, ""))).toEqual([
        "global Bun",
        "global process",
        "global Buffer",
      ]);
      writeFileSync(bad, 'import { dlopen } from "bun:ffi";\nexport const f = () => dlopen;\n');
      expect((await builtinImports([bad])).violations.length).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
