/**
 * The import-boundary check of `npm run lint`: every import of every .ts file under src/ must be
 * allowed by the layer table (scripts/import-layers.ts). Prints each violation as
 * `file:line: message` and exits 1 when there is any.
 *
 *   bun scripts/check-imports.ts [root]     root defaults to the repository
 *
 * Type-only imports count: a lower layer should not know a higher layer's types either.
 */
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, posix, relative, resolve } from "node:path";
import ts from "typescript";
import { layers as defaultLayers, type Layer } from "./import-layers.ts";

export interface Violation {
  /** Path from the root, with forward slashes. */
  file: string;
  line: number;
  message: string;
}

const runtimeModules = new Set([...builtinModules, "bun"]);
const forbiddenGlobals = new Set(["Bun", "process", "Buffer"]);

function isRuntimeModule(specifier: string): boolean {
  return (
    specifier.startsWith("node:") ||
    specifier.startsWith("bun:") ||
    runtimeModules.has(specifier.split("/")[0]!)
  );
}

/** The layer a path belongs to: the longest matching prefix wins. */
export function layerOf(path: string, layers: readonly Layer[] = defaultLayers): Layer | undefined {
  let best: Layer | undefined;
  let bestLength = -1;
  for (const layer of layers) {
    for (const prefix of layer.prefixes) {
      const matches = prefix.endsWith("/") ? path.startsWith(prefix) : path === prefix;
      if (matches && prefix.length > bestLength) {
        best = layer;
        bestLength = prefix.length;
      }
    }
  }
  return best;
}

function sourceFiles(root: string, dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(root, path));
    else if (entry.isFile() && path.endsWith(".ts") && !path.endsWith(".d.ts")) files.push(path);
  }
  return files.sort();
}

function lineAt(text: string, pos: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < pos; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** Uses of the Bun, process or Buffer globals (also through globalThis), with their positions. */
function globalUses(file: string, text: string): { name: string; pos: number }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const uses: { name: string; pos: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && forbiddenGlobals.has(node.text) && isGlobalReference(node)) {
      uses.push({ name: node.text, pos: node.getStart(source) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return uses;
}

/** False for names that are not references: `a.Bun`, `{ Bun: 1 }`, declarations. */
function isGlobalReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) {
    return ts.isIdentifier(parent.expression) && parent.expression.text === "globalThis";
  }
  if (
    (ts.isPropertyAssignment(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isPropertySignature(parent) ||
      ts.isMethodDeclaration(parent) ||
      ts.isVariableDeclaration(parent) ||
      ts.isParameter(parent) ||
      ts.isImportSpecifier(parent)) &&
    parent.name === node
  ) {
    return false;
  }
  return !(ts.isQualifiedName(parent) && parent.right === node);
}

/** Checks every .ts file under `root`/src against the layer table. */
export function checkImports(root: string, layers: readonly Layer[] = defaultLayers): Violation[] {
  const violations: Violation[] = [];
  const byName = new Map(layers.map((l) => [l.name, l]));
  for (const file of sourceFiles(root, "src")) {
    const layer = layerOf(file, layers);
    if (!layer) {
      violations.push({ file, line: 1, message: "belongs to no layer of scripts/import-layers.ts" });
      continue;
    }
    const text = readFileSync(join(root, file), "utf8");
    for (const { fileName: specifier, pos } of ts.preProcessFile(text, true, true).importedFiles) {
      const line = lineAt(text, pos);
      if (isRuntimeModule(specifier)) {
        if (layer.webStandard) {
          violations.push({
            file,
            line,
            message: `${layer.name} is Web-standard: may not import "${specifier}"`,
          });
        }
        continue;
      }
      if (!specifier.startsWith(".")) continue;
      const target = relative(root, resolve(root, dirname(file), specifier))
        .split("\\")
        .join("/");
      const targetLayer = layerOf(target, layers);
      if (!targetLayer) {
        violations.push({ file, line, message: `imports ${target}, which belongs to no layer` });
      } else if (targetLayer !== layer && !layer.mayImport.includes(targetLayer.name)) {
        violations.push({
          file,
          line,
          message: `${layer.name} may not import ${target} (${targetLayer.name})`,
        });
      } else if (layer.webStandard && !byName.get(targetLayer.name)?.webStandard) {
        violations.push({
          file,
          line,
          message: `${layer.name} is Web-standard: may not import ${target} (${targetLayer.name})`,
        });
      }
    }
    if (layer.webStandard) {
      for (const use of globalUses(file, text)) {
        violations.push({
          file,
          line: lineAt(text, use.pos),
          message: `${layer.name} is Web-standard: may not use the ${use.name} global`,
        });
      }
    }
  }
  return violations;
}

if (import.meta.main) {
  const root = resolve(process.argv[2] ?? join(import.meta.dir, ".."));
  const violations = checkImports(root);
  for (const v of violations) console.error(`${v.file}:${v.line}: ${v.message}`);
  if (violations.length > 0) {
    console.error(`${violations.length} import boundary violation(s); the rules: scripts/import-layers.ts`);
    process.exit(1);
  }
}
